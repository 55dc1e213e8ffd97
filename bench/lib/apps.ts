/**
 * The Express apps the middleware benchmarks fire at (bench/load.ts over loopback, in a process
 * of its own: bench/lib/load-server.ts; bench/middleware.ts in process). One handler for all:
 *   session       railsSession (src/express.ts), app configuration of a real Rails 8.0.5 session
 *                 cookie; the handler reads `req.session.user_id` and counts in the session, so
 *                 every response rewrites the cookie.
 *   session-read  railsSession, the handler only reads `user_id`: nothing changes, no cookie written.
 *                 Every request carries the same cookie, as a browser's do, so after the first one
 *                 railsSession reads it through its verified-cookie cache (src/crypto/verifiedCache.ts).
 *   session-read-uncached  the same with `verifiedCookieCache: 0`: the full decode on every request,
 *                 what the first request of each cookie costs.
 *   cookie-session, cookie-session-read  the same two handlers on `cookie-session` (Express's own
 *                 signed-cookie sessions: JSON, base64, HMAC-SHA1 via keygrip) holding the same data.
 *   floor, floor-read  the same two handlers on the least middleware that can share this session
 *                 with Rails (`floorSession` below, on bench/lib/floor.ts's gcmFloor): no change
 *                 detection, no cache, no rotations, no options; it reads the cookie, and the
 *                 rewriting handler seals it. What any correct Rails session middleware costs at
 *                 least, so the ratio a target asks of ours can be set against the ratio reachable.
 *   baseline      the same app and handler without a session middleware (counts in a plain object).
 *   baseline-cookie  baseline plus a fixed Set-Cookie as long as the session cookie: what sending
 *                 the cookie costs HTTP, apart from what making it costs.
 */
import cookieSession from "cookie-session";
import express, { type Express } from "express";
import { railsSession as ourRailsSession } from "../../src/express.js";
import { CookieJar } from "../../src/jar.js";
import { gcmFloor } from "./floor.js";
import { LOAD_VECTOR, jarOptionsFor, vector } from "./vectors.js";

export const MODES = ["session", "session-read", "session-read-uncached", "cookie-session", "cookie-session-read", "floor", "floor-read", "baseline", "baseline-cookie"] as const;
export type Mode = (typeof MODES)[number];

/** Whether a mode's handler only reads the session (answers `hits: null`, writes no cookie). */
export function readsOnly(mode: Mode): boolean {
  return mode === "session-read" || mode === "session-read-uncached" || mode === "cookie-session-read" || mode === "floor-read";
}

/** How bench/load.ts and bench/instructions.ts name each app in their tables (the README quotes them). */
export const MODE_NAMES: Record<Mode, string> = {
  session: "railsSession (read + rewrite every request)",
  "session-read": "railsSession, handler only reads (no cookie written)",
  "session-read-uncached": "railsSession, handler only reads, verifiedCookieCache: 0 (full decode every request)",
  baseline: "baseline (same app, no middleware)",
  "baseline-cookie": "baseline + fixed Set-Cookie of the same size",
  "cookie-session": "cookie-session (read + rewrite every request)",
  "cookie-session-read": "cookie-session, handler only reads",
  floor: "floor middleware (gcmFloor, read + rewrite every request)",
  "floor-read": "floor middleware, handler only reads",
};

export const loadLine = vector(LOAD_VECTOR);
/** The Cookie header every request of the normal cases carries (for cookie-session: see `cookieSessionHeader`). */
export const railsCookieHeader = `${loadLine.session_key}=${loadLine.value}`;
/** What the Rails cookie holds, as plain JSON (cookie-session's cookie holds the same). */
const loadJar = new CookieJar(jarOptionsFor(loadLine));
export const sessionData = JSON.parse(JSON.stringify(loadJar.session.decode(loadLine.name, loadLine.value).value)) as Record<string, unknown>;

/**
 * What is wrong with the Set-Cookie a rewriting app (ours, the floor's) answered the load cookie
 * with, or null when it is a cookie of this Rails app holding `sessionData` plus one hit
 * (bench/middleware.ts and bench/load.ts check both apps with it before timing them).
 */
export function rewrittenCookieProblem(setCookie: string | undefined): string | null {
  const written = /^[^=]+=([^;]*)/.exec(setCookie ?? "")?.[1];
  if (!written) return "no session cookie written";
  let read: string;
  try {
    read = JSON.stringify(loadJar.session.decode(loadLine.name, written).value);
  } catch (error) {
    return `wrote a cookie that does not open: ${String(error)}`;
  }
  return read === JSON.stringify({ ...sessionData, hits: 1 }) ? null : `wrote another session: ${read}`;
}
const COOKIE_SESSION_KEYS = [loadLine.secret_key_base.slice(0, 64)];

// The load cookie's app: Rails 8.0.5, load_defaults 8.0 (PBKDF2-SHA256, AES-256-GCM, JSON).
const floor = gcmFloor(loadLine.secret_key_base, "sha256", loadLine.name, "json");
// What railsSession sends after this session's value (and so the floor and baseline-cookie too).
const COOKIE_ATTRIBUTES = "; path=/; HttpOnly; SameSite=Lax";

/**
 * The floor middleware: the session cookie's value cut from the Cookie header, opened by the floor
 * (GCM tag, purpose, expiry), a fresh `{}` when it is missing or does not open. Nothing else.
 */
function floorSession(key: string) {
  const prefix = `${key}=`;
  return (req: { headers: { cookie?: string }; session?: unknown }, _res: unknown, next: () => void) => {
    const header = req.headers.cookie ?? "";
    // The value starts after `name=` at the header's start or after a "; ".
    const after = header.indexOf(`; ${prefix}`);
    const from = header.startsWith(prefix) ? prefix.length : after === -1 ? -1 : after + 2 + prefix.length;
    let session: unknown = {};
    if (from !== -1) {
      const end = header.indexOf(";", from);
      try {
        session = floor.decode(header.slice(from, end === -1 ? undefined : end));
      } catch {
        session = {};
      }
    }
    req.session = session;
    next();
  };
}

/**
 * `railsSession` may come from another revision's src/ (bench/middleware.ts --ab).
 * Routes: GET / (the handler), GET /__seed (cookie-session modes: stores `sessionData`, so the
 * bench can take the cookie it sets).
 */
export function buildApp(mode: Mode, railsSession: typeof ourRailsSession = ourRailsSession, beforeRoutes?: (app: Express) => void): Express {
  const app = express();
  app.disable("x-powered-by");
  beforeRoutes?.(app);
  const rails = mode === "session" || mode === "session-read" || mode === "session-read-uncached";
  const cookie = mode === "cookie-session" || mode === "cookie-session-read";
  const atFloor = mode === "floor" || mode === "floor-read";
  if (rails) {
    const uncached = mode === "session-read-uncached" ? { verifiedCookieCache: 0 } : {};
    app.use(railsSession({ ...jarOptionsFor(loadLine), key: loadLine.session_key, ...uncached }));
  }
  if (atFloor) app.use(floorSession(loadLine.session_key));
  if (cookie) {
    app.use(cookieSession({ name: loadLine.session_key, keys: COOKIE_SESSION_KEYS, httpOnly: true, sameSite: "lax" }));
    app.get("/__seed", (req, res) => {
      req.session = { ...sessionData };
      res.json({});
    });
  }
  // As long as the Set-Cookie railsSession sends for this session.
  const fixedCookie = `${loadLine.session_key}=${loadLine.value}${COOKIE_ATTRIBUTES}`;
  app.get("/", (req, res) => {
    const session = rails || cookie || atFloor ? (req as unknown as { session: Record<string, unknown> }).session : { user_id: 42 };
    if (readsOnly(mode)) {
      res.json({ user: session["user_id"] ?? null, hits: null });
      return;
    }
    const hits = typeof session["hits"] === "number" ? session["hits"] + 1 : 1;
    session["hits"] = hits;
    if (mode === "baseline-cookie") res.setHeader("Set-Cookie", fixedCookie);
    if (mode === "floor") res.setHeader("Set-Cookie", `${loadLine.session_key}=${floor.encode(session)}${COOKIE_ATTRIBUTES}`);
    res.json({ user: session["user_id"] ?? null, hits });
  });
  return app;
}

/** The Cookie header carrying `sessionData` in cookie-session's format, from its own Set-Cookie. */
export function cookieSessionHeader(setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}
