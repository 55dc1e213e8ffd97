/**
 * npm packages that decode Rails cookies, installed for the benchmark only (bench/package.json,
 * `npm ci --prefix bench`). Each is used through its documented API, as an app would.
 *
 * - rails5-cookie-parser 1.0.1: AES-256-GCM with a PBKDF2-SHA1 key (Rails 5.2–6.1 defaults) and
 *   the `_rails` envelope with a JSON payload. Its key comes from SECRET_KEY_BASE at require time
 *   (one app per process) and its Express-style middleware reads `req.cookies[SESSION_COOKIE_NAME]`.
 *   It does not check the envelope's purpose, nor its expiry (it looks for `exp` at the top level).
 * - rails-session-decoder 1.1.0: AES-256-CBC + HMAC (Rails 4.x). `decodeSignedCookie` checks the
 *   HMAC (with `!==`, not constant time), derives both keys with PBKDF2 on every call (one of them
 *   asynchronously) and returns the plaintext as a UTF-8 string, which it does not deserialize: a
 *   JSON payload is one JSON.parse away, a Marshal payload is corrupted by the UTF-8 decoding.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const BENCH = resolve(import.meta.dirname, "..");
const require = createRequire(resolve(BENCH, "package.json"));

/** Installs the peers from bench/package-lock.json when bench/node_modules lacks them. */
export function ensurePeersInstalled(
  peers: string[] = ["rails5-cookie-parser", "rails-session-decoder", "express-session", "connect-redis", "connect-pg-simple", "better-sqlite3-session-store"],
): void {
  const missing = peers.filter(
    (p) => !existsSync(resolve(BENCH, "node_modules", p, "package.json")),
  );
  if (missing.length === 0) return;
  console.log(`installing the npm peers into bench/node_modules (${missing.join(", ")}): npm ci --prefix bench`);
  const r = spawnSync("npm", ["ci", "--prefix", BENCH, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci --prefix bench failed");
}

export interface PeerDecoder {
  name: string;
  version: string;
  decode?: (raw: string) => unknown;
  decodeAsync?: (raw: string) => Promise<unknown>;
}

const versionOf = (p: string) => (require(`${p}/package.json`) as { version: string }).version;

/** rails5-cookie-parser for one app: its module reads the secret once, so each app loads a fresh copy. */
export function rails5CookieParser(secretKeyBase: string, cookieName: string): PeerDecoder {
  const path = require.resolve("rails5-cookie-parser");
  delete require.cache[path];
  process.env["SECRET_KEY_BASE"] = secretKeyBase;
  process.env["SESSION_COOKIE_NAME"] = cookieName;
  const parser = require(path) as {
    decipherRailCookies(req: { cookies: Record<string, string>; rails_session?: unknown }, res: unknown, next: () => void): void;
  };
  delete process.env["SECRET_KEY_BASE"];
  return {
    name: "rails5-cookie-parser",
    version: versionOf("rails5-cookie-parser"),
    decode(raw) {
      const req: { cookies: Record<string, string>; rails_session?: unknown } = { cookies: { [cookieName]: raw } };
      parser.decipherRailCookies(req, null, () => {});
      return req.rails_session;
    },
  };
}

/** rails-session-decoder reading a CBC cookie with a JSON payload. */
export function railsSessionDecoder(secretKeyBase: string): PeerDecoder {
  const make = require("rails-session-decoder") as (secret: string) => {
    decodeSignedCookie(cookie: string, next: (err: Error | null, data?: string) => void): void;
  };
  const decoder = make(secretKeyBase);
  return {
    name: "rails-session-decoder",
    version: versionOf("rails-session-decoder"),
    decodeAsync: (raw) =>
      new Promise((res, rej) =>
        decoder.decodeSignedCookie(decodeURIComponent(raw), (err, data) => (err ? rej(err) : res(JSON.parse(data!)))),
      ),
  };
}
