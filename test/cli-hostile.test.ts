/**
 * Issue 11, the CLI: hostile `--app` directories (secrets that are directories, FIFOs, devices,
 * huge files), a runaway stdin, and payloads that once crashed a command. The CLI answers each with
 * one line on stderr and its normal exit status, never a stack trace, and never hangs.
 *
 * Bounds are counted, not timed: how much of stdin the CLI took before it stopped reading. A command
 * that hung would be killed by the guard in `cli()` and fail.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../src/jar.js";
import { repoRoot } from "./helpers/rails.js";
import { marshalDagSession } from "./helpers/hostile.js";
import { cliPath, ensureBuiltCli } from "./helpers/cli.js";

const NOW = "2026-11-21T00:00:00Z";
const secretKeyBase = "0123456789abcdef".repeat(8);
const apps = readFileSync(resolve(repoRoot, "fixtures/rails-apps/apps.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { app: string; value: string; name: string });
const cookieOf = (app: string) => apps.find((a) => a.app === app)!;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** bytes of `stream` the CLI accepted before it closed stdin */
  accepted: number;
}

/**
 * Runs the CLI. `stream` feeds stdin with `stream` bytes of zeros (like `head -c N /dev/zero |`) and
 * counts what the CLI accepted. A run still going after 30 s is killed (and then fails the test
 * through `signal`): the guard against a hang, not a measurement.
 */
function cli(args: string[], options: { input?: string; stream?: number; nodeArgs?: string[] } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cliPath, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let accepted = 0;
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolvePromise({ code, signal, stdout, stderr, accepted });
    });
    child.stdin.on("error", () => {}); // EPIPE once the CLI stops reading: expected
    if (options.stream === undefined) {
      child.stdin.end(options.input ?? "");
      return;
    }
    const chunk = Buffer.alloc(1 << 16);
    let left = options.stream;
    const pump = (): void => {
      while (left > 0 && !child.stdin.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        const more = child.stdin.write(chunk.subarray(0, n), (error) => {
          if (!error) accepted += n;
        });
        if (!more) {
          child.stdin.once("drain", pump);
          return;
        }
      }
      if (!child.stdin.destroyed) child.stdin.end();
    };
    pump();
  });
}

/** One line of stderr, no stack frames, no "internal error". */
function expectOneLineError(run: Run, code: number, pattern: RegExp): void {
  expect(run.signal).toBeNull();
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toMatch(/internal error/);
  expect(run.stderr).toMatch(pattern);
  expect(run.code).toBe(code);
}

let work: string;
beforeAll(() => {
  ensureBuiltCli();
  work = mkdtempSync(join(tmpdir(), "rcc-cli-hostile-"));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of a fixture app with `mutate` applied, in the test's own temporary directory. */
function appWith(fixture: string, mutate: (dir: string) => void): string {
  const dir = mkdtempSync(join(work, `${fixture}-`));
  cpSync(resolve(repoRoot, "fixtures/rails-apps", fixture), dir, { recursive: true });
  mutate(dir);
  return dir;
}

const decodeArgs = (dir: string, app: string, extra: string[] = []) => ["decode", "--app", dir, "--now", NOW, ...extra, cookieOf(app).value];

describe("9. a hostile --app directory", () => {
  it("config/master.key is a directory", async () => {
    const dir = appWith("credentials80", (d) => {
      rmSync(join(d, "config/master.key"));
      mkdirSync(join(d, "config/master.key"));
    });
    expectOneLineError(await cli(decodeArgs(dir, "credentials80")), 1, /bad_credentials: .*config\/master\.key is not a regular file/);
  });

  it("tmp/local_secret.txt is a directory", async () => {
    const dir = appWith("local72", (d) => {
      rmSync(join(d, "tmp/local_secret.txt"));
      mkdirSync(join(d, "tmp/local_secret.txt"));
    });
    expectOneLineError(await cli(decodeArgs(dir, "local72")), 1, /bad_credentials: .*tmp\/local_secret\.txt is not a regular file/);
  });

  it("config/secrets.yml is a directory", async () => {
    const dir = appWith("local72", (d) => mkdirSync(join(d, "config/secrets.yml"), { recursive: true }));
    expectOneLineError(await cli(decodeArgs(dir, "local72", ["--rails-version", "7.0"])), 1, /bad_credentials: .*config\/secrets\.yml is not a regular file/);
  });

  it("config/master.key is a FIFO: refused without opening it for a writer that never comes", async () => {
    const dir = appWith("credentials80", (d) => {
      rmSync(join(d, "config/master.key"));
      const made = spawnSync("mkfifo", [join(d, "config/master.key")]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    });
    expectOneLineError(await cli(decodeArgs(dir, "credentials80")), 1, /bad_credentials: .*config\/master\.key is not a regular file/);
  });

  it("config/master.key → /dev/zero and tmp/local_secret.txt → /dev/urandom are refused, not read", async () => {
    const zero = appWith("credentials80", (d) => {
      rmSync(join(d, "config/master.key"));
      symlinkSync("/dev/zero", join(d, "config/master.key"));
    });
    expectOneLineError(await cli(decodeArgs(zero, "credentials80")), 1, /bad_credentials: .*config\/master\.key is not a regular file/);
    const random = appWith("local72", (d) => {
      rmSync(join(d, "tmp/local_secret.txt"));
      symlinkSync("/dev/urandom", join(d, "tmp/local_secret.txt"));
    });
    expectOneLineError(await cli(decodeArgs(random, "local72")), 1, /bad_credentials: .*tmp\/local_secret\.txt is not a regular file/);
  });

  it("an oversized tmp/local_secret.txt is refused by its size", async () => {
    const dir = appWith("local72", (d) => writeFileSync(join(d, "tmp/local_secret.txt"), Buffer.alloc(2 << 20, 0x61)));
    expectOneLineError(await cli(decodeArgs(dir, "local72")), 1, /bad_credentials: .*tmp\/local_secret\.txt is larger than/);
  });

  it("the untouched copies still decode (the checks refuse only what is broken)", async () => {
    for (const app of ["credentials80", "local72"]) {
      const run = await cli(decodeArgs(appWith(app, () => {}), app));
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
    }
  });
});

describe("10. a runaway stdin", () => {
  it("decode - stops reading at its 1 MB cap (usage error), instead of buffering 600 MB", async () => {
    const run = await cli(["decode", "--secret-key-base", secretKeyBase, "-"], { stream: 600 << 20 });
    expectOneLineError(run, 2, /stdin is larger than 1 MB/);
    // The cap, plus what the pipe and the stream buffers hold: far from 600 MB.
    expect(run.accepted).toBeLessThan(16 << 20);
  });

  it("encode --json - stops reading at its cap too", async () => {
    const run = await cli(["encode", "--secret-key-base", secretKeyBase, "--load-defaults", "7.1", "--name", "c", "--json", "-"], { stream: 600 << 20 });
    expectOneLineError(run, 2, /stdin is larger than 1 MB/);
    expect(run.accepted).toBeLessThan(16 << 20);
  });
});

describe("payloads that once gave a stack trace", () => {
  const encodeArgs = ["encode", "--secret-key-base", secretKeyBase, "--load-defaults", "7.1", "--name", "c", "--json", "-"];

  it("encode --json - with 300,000 [ (unbalanced and balanced)", async () => {
    expectOneLineError(await cli(encodeArgs, { input: "[".repeat(300_000) }), 2, /not valid JSON/);
    expectOneLineError(await cli(encodeArgs, { input: "[".repeat(300_000) + "]".repeat(300_000) }), 2, /not valid JSON.*nest/);
  });

  it("decode of the 2**40-leaf Marshal DAG: a one-line too_large, quickly", async () => {
    const jar = new CookieJar({ secretKeyBase, loadDefaults: "6.1", cookiesSerializer: "marshal", now: () => new Date(NOW) });
    const cookie = jar.encrypted.setSerialized("_app_session", marshalDagSession(40));
    for (const command of ["decode", "inspect"]) {
      const run = await cli([command, "--secret-key-base", secretKeyBase, "--now", NOW, "--name", "_app_session", cookie]);
      expectOneLineError(run, 1, /too_large: /);
    }
  });
});

describe("the last-resort guard", () => {
  // A bug is simulated by breaking a builtin before the CLI starts (`--import` of a data: module).
  const breaking = (code: string) => ["--import", `data:text/javascript,${encodeURIComponent(code)}`];

  it("an unexpected error inside a command: one line, exit 70, no stack", async () => {
    const run = await cli(["decode", "--secret-key-base", secretKeyBase, "x"], { nodeArgs: breaking('String.prototype.trim = () => { throw new TypeError("boom in trim"); };') });
    expect(run.stderr).toBe("rails-cookie: internal error: TypeError: boom in trim\n");
    expect(run.code).toBe(70);
  });

  it("an error thrown outside the command's promise (a stream event): the same", async () => {
    const run = await cli(["decode", "--secret-key-base", secretKeyBase, "-"], { input: "abc", nodeArgs: breaking('Buffer.concat = () => { throw new RangeError("boom in concat"); };') });
    expect(run.stderr).toBe("rails-cookie: internal error: RangeError: boom in concat\n");
    expect(run.code).toBe(70);
  });
});
