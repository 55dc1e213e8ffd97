/**
 * Another revision's `src/`, to load beside the working tree's (bench/ab.ts, bench/middleware.ts
 * --ab): extracted with `git archive` into $TMPDIR/rails-cookie-codec-ab/<rev>/, outside the repo
 * so tsc never sees it, with node_modules linked in.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { REPO } from "./rails.js";

/** A revision's src/, extracted once; returns the directory holding src/. */
export function checkout(r: string): { sha: string; dir: string } {
  const sha = execFileSync("git", ["rev-parse", "--short", r], { cwd: REPO, encoding: "utf8" }).trim();
  const dir = resolve(tmpdir(), "rails-cookie-codec-ab", sha);
  // package.json and tsconfig.json too: without them tsx compiles src/ another way (not as the
  // repo's ES modules under its tsconfig) and that side ran ~1.1× slower than the same code in
  // the working tree (bench/ab.ts HEAD against an unchanged tree, 2026-12-05).
  if (!existsSync(resolve(dir, "tsconfig.json"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("sh", ["-c", `git archive ${sha} src package.json tsconfig.json | tar -x -C ${JSON.stringify(dir)}`], { cwd: REPO });
    if (!existsSync(resolve(dir, "node_modules"))) symlinkSync(resolve(REPO, "node_modules"), resolve(dir, "node_modules"));
  }
  return { sha, dir };
}
