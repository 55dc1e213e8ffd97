import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// One build, two module systems: `import` gets ESM, `require` gets CommonJS, each with its .d.ts.
export default defineConfig({
  entry: { index: "src/index.ts", express: "src/express.ts", cli: "src/cli/main.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", express: "src/express.ts" } },
  target: "node20",
  platform: "node",
  // Shared chunks, so both entries use one copy of the error classes and `instanceof` works across them.
  splitting: true,
  sourcemap: false,
  clean: true,
  shims: false,
  // `rails-cookie --version` (src/cli/main.ts): the version is written into the build.
  define: { __RCC_VERSION__: JSON.stringify(version) },
});
