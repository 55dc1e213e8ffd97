/**
 * Size of the edge build as an app's bundler ships it: esbuild, minified, with code splitting (so
 * Marshal and MessagePack stay in the chunks loaded on first use), gzip -9 of each output.
 * `npm run bench:edge-size` after `npm run build`; figures in docs/edge.md.
 */
import { build } from "esbuild";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { webRuntime } from "../tsup.config.js";

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function measure(label: string, contents: string, plugins = [] as (typeof webRuntime)[]) {
  const r = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: "ts" },
    bundle: true, minify: true, format: "esm", splitting: true, outdir: mkdtempSync(join(tmpdir(), "edge-size-")),
    write: false, platform: "neutral", external: ["hono"], metafile: true, plugins,
  });
  const outputs = r.metafile.outputs;
  const gz = (path: string) => gzipSync(r.outputFiles.find((f) => f.path.endsWith(path.split("/").pop()!))!.contents, { level: 9 }).length;
  const modules = (path: string) =>
    [...new Set(Object.keys(outputs[path]!.inputs).map((i) => i.replace(/^(src|dist)\//, "").split("/")[0]!))].join(", ");
  const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint !== undefined)!;
  const startup = [entry, ...outputs[entry]!.imports.filter((i) => i.kind === "import-statement" && !i.external).map((i) => i.path)];
  const lazy = Object.keys(outputs).filter((k) => !startup.includes(k));
  const size = (paths: string[]) => `${kb(paths.reduce((n, p) => n + outputs[p]!.bytes, 0))} min, ${kb(paths.reduce((n, p) => n + gz(p), 0))} min+gzip`;
  let line = `${label}:\n  loaded at start: ${size(startup)}`;
  for (const p of lazy) line += `\n  loaded on first use (${modules(p)}): ${size([p])}`;
  console.log(line);
  return r;
}

await measure("createCookieJar (dist/edge/index.js)", 'import { createCookieJar } from "./dist/edge/index.js"; (globalThis as any).x = createCookieJar;');
await measure("railsSession (dist/edge/hono.js)", 'import { railsSession } from "./dist/edge/hono.js"; (globalThis as any).x = railsSession;');
const r = await measure("the same from src/ (per-layer sizes below)", 'import { createCookieJar } from "./src/edge.ts"; (globalThis as any).x = createCookieJar;', [webRuntime]);
const layers: Record<string, number> = {};
for (const output of Object.values(r.metafile.outputs)) {
  for (const [file, v] of Object.entries(output.inputs)) {
    const layer = file.startsWith("src/") ? file.slice(4).split("/")[0]! : file;
    layers[layer] = (layers[layer] ?? 0) + v.bytesInOutput;
  }
}
console.log("minified bytes per src/ module or folder:", Object.fromEntries(Object.entries(layers).sort((a, b) => b[1] - a[1])));
