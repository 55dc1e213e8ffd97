/**
 * The Node side of the real-Rails oracle (rails-fixture-app/, see its README.md).
 *
 * Every format claim in this project is checked against bytes real Rails produced or accepted.
 * This helper lets a test (1) load cookies Rails wrote (`loadVectors`: the shared vectors and
 * fixtures/rails61), and (2) ask a real Rails 6.1.7.10 app to read (`railsRead`) or write
 * (`railsWrite`) cookies for a given configuration. Each call boots Rails once (about 1 s) and
 * batches all its items, so group items by configuration.
 *
 * JSON from Rails can hold integers past 2**53 (Ruby Bignums): `decodeJson` (src/serializers/json.ts) keeps those as
 * `bigint` (safe integers stay `number`), so `rails_reads` compares exactly.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeNeeding, rails } from "./needs.js";
import { PINNED_ISO } from "./clock.js";
import { decodeJson, encodeJson } from "../../src/serializers/json.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const fixtureAppDir = resolve(repoRoot, "rails-fixture-app");
const ORACLE = resolve(fixtureAppDir, "bin/oracle");

/**
 * A file of the read-only shared ground truth: the repository's copy under fixtures/ (what CI
 * has), else /work/shared/. `sharedPath("rails-vectors/vectors.jsonl")`,
 * `sharedPath("rails-apps/credentials61")`.
 */
export function sharedPath(relative: string): string {
  const copy = resolve(repoRoot, "fixtures", relative);
  if (!existsSync(copy)) throw new Error(`${copy} is missing: fixtures/ holds the copies of the shared ground truth`);
  return copy;
}

/** An app configuration: the configuration fields of a vectors.jsonl line. */
export interface RailsConfig {
  /** config.load_defaults: "5.0" | "5.1" | "5.2" | "6.0" | "6.1" */
  defaults: string;
  /** config.action_dispatch.cookies_serializer: "json" | "marshal" | "hybrid" */
  serializer: string;
  /** null only together with RailsCallOptions.credentialsDir */
  secret_key_base: string | null;
  session_key: string;
  /** session store expire_after, seconds */
  expire_after: number | null;
  /** "namespace.setting" → value, applied as config.<namespace>.<setting> = value */
  extra: Record<string, unknown>;
  /** Rails 3 era secret: session and signed cookies use MessageVerifier(secret_token, SHA1) */
  secret_token?: string;
}

/** One line of /work/shared/rails-vectors/vectors.jsonl or fixtures/rails61/vectors.jsonl. */
export interface VectorLine extends RailsConfig {
  rails: string;
  secret_key_base: string;
  scenario: string;
  kind: "session" | "encrypted" | "signed";
  name: string;
  /** the cookie value as Set-Cookie carries it (still URL-escaped) */
  value: string;
  set_cookie: string;
  /** what Rails read (README conventions); null = Rails rejected the cookie */
  rails_reads: unknown;
  /** base64 of Marshal.dump of exactly what Rails read */
  rails_reads_marshal: string;
  /** scenario session_csrf: the masked token form_authenticity_token returned */
  csrf_token?: string;
  /** fixtures/rails61 cross-app scenarios: the Set-Cookie the reading app answered with */
  rewritten?: string | null;
}

export interface CookieToRead {
  kind: "session" | "encrypted" | "signed";
  name: string;
  /** as in a Cookie header: URL-escaped, as Set-Cookie carried it */
  value: string;
  /** ISO-8601: read with the clock stubbed to this time (whole seconds); default PINNED_ISO */
  now?: string;
}

export interface RailsReadResult {
  rails_reads: unknown;
  rails_reads_marshal: string;
  /** the whole Set-Cookie line Rails sent back for this cookie in that request, or null */
  rewritten: string | null;
  /** only with allowErrors: the Ruby exception Rails raised ("Class: message") */
  error?: string;
}

export interface CookieToWrite {
  kind: "session" | "encrypted" | "signed";
  name: string;
  /** a JSON value (bigints allowed) … */
  value_json?: unknown;
  /** … or base64 of Marshal.dump of the exact Ruby object to write */
  value_marshal_b64?: string;
  /** ISO-8601 expiry for encrypted/signed cookies (sessions expire via expire_after) */
  expires?: string | null;
  /** cookies.permanent.<kind> (20 years) */
  permanent?: boolean;
  /** ISO-8601: write with the clock stubbed to this time; default PINNED_ISO */
  now?: string;
}

export interface RailsWriteResult {
  kind: string;
  name: string;
  /** the cookie value as Set-Cookie carries it (URL-escaped) */
  value: string;
  set_cookie: string;
  /** what the same app read back from it, in a second request */
  rails_reads: unknown;
  rails_reads_marshal: string;
  error?: string;
}

export interface RailsCallOptions {
  /** kill Ruby after this long (default 60 s) */
  timeoutMs?: number;
  /** return {error} items instead of throwing when Rails raised */
  allowErrors?: boolean;
  /** boot with the secret from <dir>/config/credentials.yml.enc + master.key (Rails' credentials) */
  credentialsDir?: string;
  /** another batch script of rails-fixture-app/bin with the same JSON-lines protocol (default bin/oracle) */
  script?: string;
  /** extra environment for the script (e.g. bin/ar-sessions' RCC_AR_CONFIG) */
  env?: Record<string, string>;
}

/** `ruby` runs and Rails (action_controller/railtie) loads. */
export const rubyAvailable: boolean = rails.available;

/**
 * `describe` when Ruby + Rails are available. Otherwise warns loudly and skips without running `fn`,
 * except under CI=true where it registers a failing test: CI must never pass without the oracle.
 */
export function describeWithRails(name: string, fn: () => void): void {
  describeNeeding(rails, name, fn);
}

/** The configuration fields of a vector line, e.g. to read it with `railsRead`. */
export function configOf(line: RailsConfig): RailsConfig {
  const c: RailsConfig = {
    defaults: line.defaults,
    serializer: line.serializer,
    secret_key_base: line.secret_key_base,
    session_key: line.session_key,
    expire_after: line.expire_after,
    extra: line.extra,
  };
  if (line.secret_token !== undefined) c.secret_token = line.secret_token;
  return c;
}

/** Runs bin/oracle once for `config` with the given operations; one result object per op. */
export async function runOracle(
  config: RailsConfig,
  ops: Record<string, unknown>[],
  options: RailsCallOptions = {},
): Promise<Record<string, unknown>[]> {
  if (ops.length === 0) return [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, RCC_CONFIG: encodeJson(config) };
  if (options.credentialsDir) env.RCC_CREDENTIALS_DIR = resolve(options.credentialsDir);
  else delete env.RCC_CREDENTIALS_DIR;
  const script = options.script ? resolve(fixtureAppDir, "bin", options.script) : ORACLE;
  const child = spawn("ruby", [script], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const exit = new Promise<{ code: number | null; error?: Error }>((res) => {
    child.on("error", (error) => res({ code: null, error }));
    child.on("close", (code) => res({ code }));
  });
  child.stdin.on("error", () => {}); // a Ruby that died early is reported below, with its stderr
  // Rails' clock is pinned like ours (travel_to): an op without its own `now` runs at PINNED_ISO.
  child.stdin.end(ops.map((op) => encodeJson({ now: PINNED_ISO, ...op })).join("\n") + "\n");
  const { code, error } = await exit;
  clearTimeout(timer);
  const lines = stdout.split("\n").filter((l) => l.length > 0);
  if (timedOut || error || code !== 0 || lines.length !== ops.length) {
    const why = timedOut ? `killed after ${timeoutMs} ms` : error ? error.message : `exit ${code}`;
    throw new Error(
      `rails-fixture-app/bin/${options.script ?? "oracle"} failed (${why}; ${lines.length}/${ops.length} answers)\n` +
        `RCC_CONFIG=${encodeJson(config)}\n--- Ruby stderr ---\n${stderr}`,
    );
  }
  const results = lines.map((l) => decodeJson(l) as Record<string, unknown>);
  if (!options.allowErrors) {
    results.forEach((r, i) => {
      if (typeof r.error === "string") {
        throw new Error(
          `Rails raised on ${encodeJson(ops[i])}: ${r.error}\n${((r.backtrace as string[]) ?? []).join("\n")}`,
        );
      }
    });
  }
  return results;
}

/** Real Rails reads each cookie (one request each, through the whole middleware stack). */
export async function railsRead(
  config: RailsConfig,
  cookies: CookieToRead[],
  options: RailsCallOptions = {},
): Promise<RailsReadResult[]> {
  const out = await runOracle(
    config,
    cookies.map((c) => ({ op: "read", ...c })),
    options,
  );
  return out as unknown as RailsReadResult[];
}

/** Real Rails writes each value (session[k] = v / cookies.encrypted[name] = … in a controller). */
export async function railsWrite(
  config: RailsConfig,
  items: CookieToWrite[],
  options: RailsCallOptions = {},
): Promise<RailsWriteResult[]> {
  const out = await runOracle(
    config,
    items.map((c) => ({ op: "write", ...c })),
    options,
  );
  return out as unknown as RailsWriteResult[];
}

/** Parses a vectors.jsonl file (shared vectors or fixtures/rails61) with exact big integers. */
export function loadVectors(path: string): VectorLine[] {
  return readFileSync(resolve(repoRoot, path), "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      const v = decodeJson(l) as VectorLine;
      if (typeof v.value !== "string" || typeof v.kind !== "string" || typeof v.rails_reads_marshal !== "string") {
        throw new Error(`${path}:${i + 1}: not a vector line`);
      }
      return v;
    });
}

export interface RailsServer {
  url: string;
  port: number;
  /** SIGTERM, then waits for the process to exit */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * Starts rails-fixture-app/bin/serve (WEBrick on 127.0.0.1) for `config`; resolves once it
 * listens. Routes: rails-fixture-app/README.md. Always `stop()` it (e.g. in afterAll).
 */
export async function startRailsServer(
  config: RailsConfig,
  options: { port?: number; timeoutMs?: number; credentialsDir?: string } = {},
): Promise<RailsServer> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, RCC_CONFIG: encodeJson(config), PORT: String(port) };
  if (options.credentialsDir) env.RCC_CREDENTIALS_DIR = resolve(options.credentialsDir);
  else delete env.RCC_CREDENTIALS_DIR;
  const child = spawn("ruby", [resolve(fixtureAppDir, "bin/serve")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((res) => child.on("close", () => res()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`bin/serve did not listen within ${options.timeoutMs ?? 60_000} ms\n--- Ruby stderr ---\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes(`listening on ${port}`)) {
        clearTimeout(timer);
        res();
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      rej(new Error(`bin/serve exited (${code}) before listening\n--- Ruby stderr ---\n${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
