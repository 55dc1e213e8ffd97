/**
 * `rails-cookie-codec/hono`: the Rails session in a Hono app, on every runtime Hono runs on
 * (Workers, the Edge runtime, Deno, Bun, Node). It is Rails' `CookieStore` over the async jar:
 *
 * ```ts
 * import { railsSession } from "rails-cookie-codec/hono";
 * app.use(railsSession({ key: "_myapp_session", secretKeyBase: env.SECRET_KEY_BASE, loadDefaults: "7.1" }));
 * app.get("/", (c) => c.json({ user: c.get("railsSession")?.user_id ?? null }));
 * ```
 *
 * `c.get("railsSession")` is the session Rails wrote (a plain object with String keys, as Rails'
 * `session.to_hash`), or null when the request carries none or one that cannot be read (Rails: the
 * jar returns nil). A handler changes it by `c.set("railsSession", data)` (or by mutating it) and
 * ends it with `c.set("railsSession", null)`. The cookie is written back only when the serialized
 * data changed or Rails would rewrite it (rotation, fallback, foreign serializer), following
 * actionpack/lib/action_dispatch/middleware/session/cookie_store.rb: a written session always
 * carries a `"session_id"` (`persistent_session_id!`), which Rails 6.1 needs to see it at all.
 *
 * Hono itself is only a type here (an optional peer dependency): the middleware uses the Fetch
 * API's `Request`/`Response` headers.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RailsSessionData } from "./cookieJarCore.js";
import { createCookieJar, type AsyncCookieJar } from "./asyncJar.js";
import { bytesEqual } from "./bytes/index.js";
import type { CookieJarOptions } from "./config.js";
import { parseCookieHeader } from "./cookie/escape.js";
import { InvalidOptionError } from "./errors.js";
import { serialize } from "./serializers/index.js";
import { compactSessionData, generateSessionId } from "./session/rack.js";
import { resolveCookieOptions, serializeSetCookie, type SessionCookieOptions } from "./session/setCookie.js";

export interface RailsSessionOptions extends CookieJarOptions {
  /** The session cookie's name: `config.session_store :cookie_store, key: "_myapp_session"`. */
  key: string;
  /** `expire_after:` in seconds, or null for a browser-session cookie. */
  expireAfter?: number | null;
  cookie?: SessionCookieOptions;
}

export type { RailsSessionData };

export interface RailsSessionVariables {
  /** The Rails session, or null. */
  railsSession: RailsSessionData | null;
  /** The app's cookie jar, for `cookies.encrypted` / `cookies.signed` of the same app. */
  railsCookies: AsyncCookieJar;
}

/**
 * The middleware. `E` is the app's own env (its `Bindings`, more `Variables`): the handler fits
 * `new Hono<E>()` whatever else E holds, as long as its Variables include `RailsSessionVariables`.
 */
export function railsSession<E extends { Variables: RailsSessionVariables } = { Variables: RailsSessionVariables }>(
  options: RailsSessionOptions,
): MiddlewareHandler<E> {
  const { key, expireAfter = null, cookie, ...jarOptions } = options;
  if (typeof key !== "string" || key === "") throw new InvalidOptionError("key (the session cookie name) is required");
  if (expireAfter !== null && !(typeof expireAfter === "number" && Number.isFinite(expireAfter) && expireAfter > 0)) {
    throw new InvalidOptionError("expireAfter must be a positive number of seconds, or null");
  }
  // Keys are derived once, on the first request (Workers allow no async work at module load).
  let jarPromise: Promise<AsyncCookieJar> | undefined;

  return async (context: Context<E>, next) => {
    // Only this middleware's own Variables are touched.
    const c = context as unknown as Context<{ Variables: RailsSessionVariables }>;
    jarPromise ??= createCookieJar(jarOptions);
    const jar = await jarPromise;
    const codec = jar.session;
    const config = jar.config;

    const raw = parseCookieHeader(c.req.header("Cookie") ?? "").get(key);
    let loaded: RailsSessionData | null = null;
    let payload: Uint8Array | null = null;
    let needsRewrite = false;
    if (raw !== undefined) {
      const decoded = await codec.decode(key, raw).catch(() => null);
      if (decoded && decoded.value !== null && typeof decoded.value === "object" && !Array.isArray(decoded.value)) {
        loaded = decoded.value as RailsSessionData;
        payload = decoded.payload;
        needsRewrite = decoded.needsRewrite;
      }
    }
    c.set("railsCookies", jar);
    c.set("railsSession", loaded);
    await next();

    const cookieOptions = resolveCookieOptions(cookie, Number(config.loadDefaults));
    const session = c.get("railsSession");
    if (session === null || session === undefined) {
      // `reset_session` / sign-out: expire the cookie the request carried.
      if (raw !== undefined) c.header("Set-Cookie", serializeSetCookie(key, "", cookieOptions, new Date(0)), { append: true });
      return;
    }
    if (typeof session["session_id"] !== "string" || session["session_id"] === "") session["session_id"] = generateSessionId();
    const data = compactSessionData(session);
    const serialized = serialize(data, config.cookiesSerializer);
    const changed = payload === null ? Object.keys(data).some((k) => k !== "session_id") : !bytesEqual(serialized, payload);
    if (!changed && !needsRewrite && !(expireAfter !== null && payload !== null)) return;
    const expires = expireAfter === null ? null : new Date(config.now().getTime() + expireAfter * 1000);
    const value = await codec.setSerialized(key, serialized, { expires });
    c.header("Set-Cookie", serializeSetCookie(key, value, cookieOptions, expires), { append: true });
  };
}
