/**
 * The npm package as a user gets it: `npm pack` (its real prepack: build, then a manifest without
 * the clone-only `prepare`), checked by @arethetypeswrong/cli under node10, node16 and bundler
 * resolution, installed into an empty project without any install-script warning, its CLI run.
 *
 * Packed from a copy of the repository's files, so that the build it runs never touches the
 * dist/ the other test files use at the same time.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/rails.js";

const work = mkdtempSync(join(tmpdir(), "rcc-pack-"));
let tarball = "";
let packed: string[] = [];
let manifest: Record<string, unknown> = {};

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 180_000 });

beforeAll(() => {
  const copy = join(work, "repo");
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], repoRoot).stdout.split("\0").filter(Boolean);
  for (const f of files) {
    if (f.startsWith("fixtures/") || f.startsWith("bench/") || f.startsWith("test/") || f.startsWith("rails-fixture-app/")) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(copy, f));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"));
  const pack = run("npm", ["pack", "--json", "--pack-destination", work], copy);
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  packed = info!.files.map((f) => f.path);
  manifest = JSON.parse(run("tar", ["xzf", tarball, "-O", "package/package.json"], work).stdout) as Record<string, unknown>;
  // The copy's package.json is back as it was (postpack), with its `prepare` for clones.
  expect(JSON.parse(readFileSync(join(copy, "package.json"), "utf8")).scripts.prepare).toBeDefined();
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed package", () => {
  it("has LICENSE, README, docs and every built entry; not dist/cli.cjs, sources or fixtures", () => {
    for (const f of ["LICENSE", "README.md", "docs/express.md", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/express.js", "dist/express.cjs", "dist/hono.js", "dist/edge/index.js", "dist/edge/hono.js", "dist/cli.js"]) {
      expect(packed).toContain(f);
    }
    expect(packed).not.toContain("dist/cli.cjs");
    expect(packed.filter((f) => f.startsWith("src/") || f.startsWith("fixtures/") || f.startsWith("test/"))).toEqual([]);
  });

  it("declares no install-time script (prepare is for clones only)", () => {
    const scripts = (manifest["scripts"] ?? {}) as Record<string, string>;
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(scripts[hook], hook).toBeUndefined();
    expect(manifest["license"]).toBe("MIT");
  });

  it("every entry resolves with types under node10, node16 (CJS and ESM) and bundler: attw finds no problem but the ESM-only edge build", () => {
    const attw = run(process.execPath, [resolve(repoRoot, "node_modules/@arethetypeswrong/cli/dist/index.js"), tarball, "--format", "json"], work);
    const report = JSON.parse(attw.stdout) as { analysis: { problems: { kind: string; entrypoint: string; resolutionKind: string }[]; entrypoints: Record<string, unknown> } };
    // One known, intended finding: `rails-cookie-codec/edge` names the Web Crypto build, which is ESM
    // only (every edge runtime loads ESM; Node's own `require` gets the Node build from "."), so
    // `require("rails-cookie-codec/edge")` resolves to ESM (docs/edge.md). Nothing else may show.
    const intended = (p: { kind: string; entrypoint: string; resolutionKind: string }) =>
      p.kind === "CJSResolvesToESM" && p.entrypoint === "./edge" && p.resolutionKind === "node16-cjs";
    expect(report.analysis.problems.filter((p) => !intended(p))).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining([".", "./express", "./hono", "./edge"]));
  });

  it("installs into an empty project without an install-script warning, and its CLI runs", () => {
    const project = join(work, "user-project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", version: "1.0.0", private: true }));
    // `yaml`, the one dependency, is in npm's cache from this repository's own install.
    const install = run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout + install.stderr).not.toMatch(/install-scripts|allowScripts/);
    expect(readdirSync(join(project, "node_modules/rails-cookie-codec"))).toContain("LICENSE");
    const bin = join(project, "node_modules/.bin/rails-cookie");
    const version = run(bin, ["--version"], project);
    expect(version.stdout).toBe(`rails-cookie ${String(manifest["version"])}\n`);
    const decoded = run(bin, ["decode", "--app", resolve(repoRoot, "fixtures/rails-apps/credentials80"), `@${resolve(repoRoot, "fixtures/example/cookie.txt")}`], project);
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(JSON.parse(decoded.stdout)).toHaveProperty("user_id", 42);
    // Both module systems load from the installed copy.
    const esm = run(process.execPath, ["--input-type=module", "-e", 'import { CookieJar } from "rails-cookie-codec"; import { railsSession } from "rails-cookie-codec/express"; console.log(typeof CookieJar, typeof railsSession)'], project);
    const cjs = run(process.execPath, ["-e", 'const { CookieJar } = require("rails-cookie-codec"); const { railsSession } = require("rails-cookie-codec/express"); console.log(typeof CookieJar, typeof railsSession)'], project);
    expect([esm.stdout, cjs.stdout]).toEqual(["function function\n", "function function\n"]);
  });
});
