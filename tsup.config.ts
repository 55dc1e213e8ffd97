import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineConfig, type Options } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

/**
 * The edge build's half of the runtime seam: every import of src/bytes/index.js or
 * src/backend/index.js (the Node implementations) resolves to the sibling web.ts, so the edge
 * module graph holds no `Buffer` and no `node:` import (test/runtimes.test.ts checks the output);
 * and src/serializers/index.ts gets the lazy Marshal and MessagePack serializers.
 */
export const webRuntime: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "web-runtime",
  setup(build) {
    build.onResolve({ filter: /\/(bytes|backend)\/index\.js$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/index\.js$/, "web.ts")),
    }));
    // Marshal and MessagePack load on first use (src/serializers/lazy.ts).
    build.onResolve({ filter: /^\.\/(marshal|messagePack)\.js$/ }, (args) =>
      /serializers[\\/]index\.ts$/.test(args.importer)
        ? { path: resolve(args.resolveDir, args.path.replace(/\.js$/, ".web.ts")) }
        : undefined,
    );
  },
};

export default defineConfig([
  // Node: one build, two module systems: `import` gets ESM, `require` gets CommonJS, each with its .d.ts.
  {
    entry: { index: "src/index.ts", express: "src/express.ts", hono: "src/hono.ts", cli: "src/cli/main.ts" },
    format: ["esm", "cjs"],
    dts: { entry: { index: "src/index.ts", express: "src/express.ts", hono: "src/hono.ts" } },
    target: "node20",
    platform: "node",
    // Shared chunks, so both entries use one copy of the error classes and `instanceof` works across them.
    splitting: true,
    sourcemap: false,
    // Both builds run at once, so neither cleans: scripts/clean-dist.mjs empties dist/ first (tsup's
    // declaration build deletes every .d.ts under its outDir when `clean` is set, dist/edge's too).
    clean: false,
    shims: false,
    // `rails-cookie --version` (src/cli/main.ts): the version is written into the build.
    define: { __RCC_VERSION__: JSON.stringify(version) },
  },
  // Edge (workerd, edge-light, deno, bun, browser): ESM on Web APIs only. Marshal and MessagePack
  // are separate chunks, loaded on first use (src/serializers/lazy.ts).
  {
    entry: { index: "src/edge.ts", hono: "src/hono.ts" },
    outDir: "dist/edge",
    format: ["esm"],
    dts: { entry: { index: "src/edge.ts", hono: "src/hono.ts" } },
    target: "es2022",
    platform: "neutral",
    splitting: true,
    sourcemap: false,
    clean: false,
    shims: false,
    external: ["hono"],
    esbuildPlugins: [webRuntime],
  },
]);
