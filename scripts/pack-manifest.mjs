// npm runs a package's `prepare` script when someone installs its tarball (npm 11 then warns that an
// install script is not covered by allowScripts). A clone still needs `prepare`, so that the README's
// `npm install` builds dist/. So `npm pack` / `npm publish` ship a package.json without it:
// `prepack` calls this with "strip" (after building), `postpack` with "restore".
import { readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";

const [mode] = process.argv.slice(2);
const saved = "package.json.prepack";
if (mode === "strip") {
  const text = readFileSync("package.json", "utf8");
  writeFileSync(saved, text);
  const manifest = JSON.parse(text);
  delete manifest.scripts.prepare;
  writeFileSync("package.json", JSON.stringify(manifest, null, 2) + "\n");
} else if (mode === "restore") {
  if (existsSync(saved)) renameSync(saved, "package.json");
} else {
  console.error("usage: node scripts/pack-manifest.mjs strip|restore");
  process.exit(2);
}
