/**
 * The built `rails-cookie` CLI (dist/cli.js) for tests that run it as a user does.
 * RAILS_COOKIE_CLI points at another build of src/cli/main.ts (e.g. a private one while others rebuild dist/).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "./rails.js";

export const cliPath = process.env.RAILS_COOKIE_CLI ? resolve(process.env.RAILS_COOKIE_CLI) : resolve(repoRoot, "dist/cli.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; a direct `vitest run` rebuilds when dist/ is missing or older than src/. */
export function ensureBuiltCli(): void {
  if (process.env.RAILS_COOKIE_CLI) return;
  if (!existsSync(cliPath) || statSync(cliPath).mtimeMs < newestMtime(resolve(repoRoot, "src"))) {
    const build = spawnSync("npx", ["tsup", "--silent"], { cwd: repoRoot, encoding: "utf8", timeout: 300_000 });
    if (build.status !== 0) throw new Error(`tsup failed:\n${build.stdout}\n${build.stderr}`);
  }
}
