/**
 * `rails-cookie-codec/express`: share one login between a Rails app and an Express app.
 *
 * ```ts
 * import { railsSession, flash, formAuthenticityToken } from "rails-cookie-codec/express";
 * app.use(railsSession({ secretKeyBase: process.env.SECRET_KEY_BASE!, loadDefaults: "7.1", key: "_myapp_session" }));
 * app.get("/", (req, res) => res.send(`user ${req.session.user_id}`));
 * ```
 *
 * A shell over the framework-agnostic store in src/session/: the session is loaded when the request
 * comes in and committed at the last moment before the response's headers go out, by wrapping
 * `writeHead`, `write` and `end` (what the `on-headers` package does for express-session, without
 * the dependency; here once, on `http.ServerResponse.prototype`, see below). Express's `res.send`,
 * `res.json`, `res.redirect`, `res.render` and Node's implicit headers all pass through one of the
 * three.
 *
 * When the session cannot be written (more than 4096 bytes: `CookieOverflowError`, code
 * `cookie_overflow`; or a value the serializer cannot hold), the handler has already produced its
 * response. The wrapper then does not send that response: it clears its headers and calls
 * `next(err)`, so the app's error handler (or Express's default, a 500) answers instead, the way
 * Rails turns `CookieOverflow` into a 500; whatever the handler still writes is dropped. The
 * handler's response is never sent without the session it was meant to carry.
 *
 * Types are structural (node:http's classes are the only runtime import), so this module has no
 * runtime dependency on Express.
 */
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from "node:http";
import { createSessionStore, type SessionStore, type SessionStoreOptions } from "./session/store.js";
import type { ServerSessionCore, ServerSessionStoreOptions } from "./session/serverStore.js";
import { resetSession, sessionState, type RailsSession } from "./session/session.js";
import { consumeFlash, keepFlash, readFlash, setFlash, type Flashes } from "./rails/flash.js";
import {
  formAuthenticityToken as mintToken,
  validAuthenticityToken,
  type FormOptions,
} from "./rails/csrf.js";
import { clearWardenUser, setWardenUser, wardenUser, type WardenUser } from "./rails/warden.js";
import { InvalidAuthenticityTokenError } from "./errors.js";
import type { RubySymbol } from "./ruby/types.js";

export { createSessionStore, type SessionStore, type SessionStoreOptions } from "./session/store.js";
export type { RailsSession } from "./session/session.js";
export { wardenUser, setWardenUser, clearWardenUser, type WardenUser };
// The error classes again, from this entry: tsup bundles each entry on its own, so
// `instanceof CookieOverflowError` must use the class of the bundle that threw. `err.code` works with either.
export * from "./errors.js";

/** A request once `railsSession` ran. Assigning `null` (or a new object) replaces the session, like `reset_session`. */
export interface RailsSessionRequest extends IncomingMessage {
  get session(): RailsSession;
  set session(value: RailsSession | Record<string, unknown> | null);
  body?: unknown;
}

/**
 * `req.session` typed in every Express app that imports this entry, with no `declare module` of your
 * own: Express's types (@types/express) read `Express.Request` from this global namespace, the way
 * @types/express-session adds its own `req.session`. Assigning `null` is `reset_session`.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      get session(): RailsSession;
      set session(value: RailsSession | Record<string, unknown> | null);
    }
  }
}

type Next = (err?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

export type RailsSessionOptions = SessionStoreOptions;
export type { ServerSessionCore, ServerSessionStoreOptions, SessionErrorContext, SessionErrorHandler } from "./session/serverStore.js";


/**
 * The middleware. Build it once per app: keys are derived here, not per request.
 *
 * With `store` (RedisCacheStore, MemCacheStore, RedisSessionStore, ActiveRecordStore) the session
 * is loaded from the server before `next()` runs, and written back before the response's headers
 * go out: the response is held (its `writeHead`/`write`/`end` calls queued, as express-session
 * defers `end`) until the store has the session, so a failed write can still become `next(err)`.
 */
export function railsSession(options: ServerSessionStoreOptions): Middleware & { store: ServerSessionCore };
export function railsSession(options: RailsSessionOptions): Middleware & { store: SessionStore };
export function railsSession(options: RailsSessionOptions | ServerSessionStoreOptions): Middleware & { store: SessionStore | ServerSessionCore } {
  if ("store" in options && options.store !== undefined) return serverSession(options);
  const store = createSessionStore(options);
  installSessionAccessor();
  installResponseHooks();

  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const header = req.headers.cookie;
    const session = store.load(Array.isArray(header) ? header.join("; ") : header);
    attachSession(req, session, store);
    hookResponse(res, store, session, next);
    next();
  };
  return Object.assign(middleware, { store });
}

function serverSession(options: ServerSessionStoreOptions): Middleware & { store: ServerSessionCore } {
  const store = createSessionStore(options);
  installSessionAccessor();
  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const header = req.headers.cookie;
    store.load(Array.isArray(header) ? header.join("; ") : header).then((session) => {
      attachSession(req, session, store);
      hookHeadersAsync(res, () => store.commit(session), next);
      next();
    }, next);
  };
  return Object.assign(middleware, { store });
}

/*
 * What a request costs us besides the codec was mostly properties added to Express's `req` and
 * `res`. Express gives both a new prototype on every request (`Object.setPrototypeOf(req,
 * this.request)` in express/lib/application.js `handle`, and again in and out of each mounted
 * sub-app), and on such an object V8 adds each new property through a fresh hidden class: about
 * 12,000 instructions per property, counted with callgrind in the loaded server (docs/bench.md,
 * "Instructions per request"); the four we added cost half as much as the codec's whole read. So
 * on a node:http request and response the middleware adds no property at all: `req.session` is an
 * accessor on `http.IncomingMessage.prototype`, and `writeHead`/`write`/`end`
 * are wrapped once on `http.ServerResponse.prototype`, both installed by the first `railsSession()`
 * (not on import). Per request there is one entry in each of two WeakMaps; the response's entry is
 * dropped at the commit, so the scavenger does not carry it.
 *
 * What the prototype hooks change for everything else in the process: a response without a
 * pending commit costs one WeakMap lookup per `writeHead`/`write`/`end`; a request that did not
 * pass through railsSession reads `req.session` as undefined, and assigning it (express-session,
 * cookie-session, anyone's own) makes an own data property, as before. Requests and responses that
 * are not node:http ones (the http2 compatibility API, a test double), or that already carry an own
 * `session`, get own properties instead: the same behaviour, at the old cost.
 */

/** The session and store of each request the middleware saw (for `req.session` and the helpers). */
const attached = new WeakMap<IncomingMessage, { readonly session: RailsSession; readonly store: SessionStore | ServerSessionCore }>();

/** `req.session = value` on a request railsSession saw: `reset_session`, then the new data. */
function assignSession(session: RailsSession, value: unknown): void {
  if (value === session) return;
  // `req.session = null` is `reset_session`; a plain object starts a new session holding it.
  resetSession(session);
  if (value !== null && value !== undefined && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) if (k !== "session_id") session[k] = v;
  }
}

/** The own-property form, for a request the prototype accessor cannot serve. */
const SESSION_PROPERTY: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: IncomingMessage) {
    return attached.get(this)?.session;
  },
  set(this: IncomingMessage, value: unknown) {
    const session = attached.get(this)?.session;
    if (session !== undefined) assignSession(session, value);
  },
};

/** True once `req.session` is an accessor of http.IncomingMessage.prototype (ours); false when someone else's is there. */
let sessionOnPrototype: boolean | undefined;

function installSessionAccessor(): void {
  if (sessionOnPrototype !== undefined) return;
  // Someone else's `session` there (another copy of this library included): leave it alone.
  sessionOnPrototype = !Object.prototype.hasOwnProperty.call(IncomingMessage.prototype, "session");
  if (!sessionOnPrototype) return;
  Object.defineProperty(IncomingMessage.prototype, "session", {
    configurable: true,
    enumerable: false,
    get: SESSION_PROPERTY.get,
    set(this: IncomingMessage, value: unknown) {
      const session = attached.get(this)?.session;
      if (session !== undefined) assignSession(session, value);
      // Not ours: what a plain assignment did before this accessor existed.
      else Object.defineProperty(this, "session", { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

function attachSession(req: IncomingMessage, session: RailsSession, store: SessionStore | ServerSessionCore): void {
  attached.set(req, { session, store });
  if (!(sessionOnPrototype && req instanceof IncomingMessage) || Object.prototype.hasOwnProperty.call(req, "session")) {
    Object.defineProperty(req, "session", SESSION_PROPERTY);
  }
}

/**
 * What the synchronous hook keeps for one response: the commit of one railsSession, and the one of
 * an earlier railsSession on the same response (a second cookie store), if any.
 */
class PendingCommit {
  done = false;
  failed = false;
  constructor(
    readonly store: SessionStore,
    readonly session: RailsSession,
    readonly next: Next,
    readonly previous: PendingCommit | undefined,
  ) {}
}

/** The pending commit of each response hooked on the prototype. */
const pendings = new WeakMap<ServerResponse, PendingCommit>();

type Method = "writeHead" | "write" | "end";
type Original = (this: ServerResponse, ...args: unknown[]) => unknown;

/** True once ServerResponse.prototype's writeHead/write/end are ours. */
let responsePrototypeHooked = false;

/**
 * Wraps `writeHead`, `write` and `end` of http.ServerResponse.prototype, once per process (per copy
 * of this module): each runs the response's pending commit, if any, then the method it replaced.
 * Express's `res.send`/`json`/`redirect`/`render` and Node's implicit headers (`_implicitHeader`
 * calls `this.writeHead`) all reach one of the three, below any own-property wrapper a later
 * middleware (compression, …) put on the response.
 */
function installResponseHooks(): void {
  if (responsePrototypeHooked) return;
  responsePrototypeHooked = true;
  const proto = ServerResponse.prototype as unknown as Record<Method, Original>;
  const original = { writeHead: proto.writeHead, write: proto.write, end: proto.end };
  // `arguments`, not rest parameters: no array per call.
  /* eslint-disable prefer-rest-params */
  proto.writeHead = function (this: ServerResponse) {
    const pending = pendings.get(this);
    if (pending !== undefined && !commitNow(this, pending, pending.done ? undefined : headersArgOf(arguments))) return this;
    return original.writeHead.apply(this, arguments as unknown as unknown[]);
  };
  proto.write = function (this: ServerResponse) {
    const pending = pendings.get(this);
    if (pending !== undefined && !commitNow(this, pending)) return false;
    return original.write.apply(this, arguments as unknown as unknown[]);
  };
  proto.end = function (this: ServerResponse) {
    const pending = pendings.get(this);
    if (pending !== undefined && !commitNow(this, pending)) return this;
    return original.end.apply(this, arguments as unknown as unknown[]);
  };
  /* eslint-enable prefer-rest-params */
}

/**
 * The own-property form of the same hook (a response that is not an http.ServerResponse): the
 * wrappers are the same three functions on every response. They stay in place after the commit
 * (they only pass calls through): putting the original methods back would also unwrap whatever a
 * later middleware wrapped around ours.
 */
const ownPendings = new WeakMap<ServerResponse, { pending: PendingCommit; original: Record<Method, Original> }>();
/* eslint-disable prefer-rest-params */
const OWN_HOOKS: Record<Method, Original> = {
  writeHead(this: ServerResponse) {
    const own = ownPendings.get(this)!;
    if (!commitNow(this, own.pending, own.pending.done ? undefined : headersArgOf(arguments))) return this;
    return own.original.writeHead.apply(this, arguments as unknown as unknown[]);
  },
  write(this: ServerResponse) {
    const own = ownPendings.get(this)!;
    if (!commitNow(this, own.pending)) return false;
    return own.original.write.apply(this, arguments as unknown as unknown[]);
  },
  end(this: ServerResponse) {
    const own = ownPendings.get(this)!;
    if (!commitNow(this, own.pending)) return this;
    return own.original.end.apply(this, arguments as unknown as unknown[]);
  },
};
/* eslint-enable prefer-rest-params */

function hookResponse(res: ServerResponse, store: SessionStore, session: RailsSession, next: Next): void {
  if (responsePrototypeHooked && res instanceof ServerResponse) {
    pendings.set(res, new PendingCommit(store, session, next, pendings.get(res)));
    return;
  }
  const earlier = ownPendings.get(res);
  if (earlier !== undefined) {
    // A second railsSession on this response: its wrappers are already ours.
    ownPendings.set(res, { pending: new PendingCommit(store, session, next, earlier.pending), original: earlier.original });
    return;
  }
  const r = res as unknown as Record<Method, Original>;
  ownPendings.set(res, { pending: new PendingCommit(store, session, next, undefined), original: { writeHead: r.writeHead, write: r.write, end: r.end } });
  r.writeHead = OWN_HOOKS.writeHead;
  r.write = OWN_HOOKS.write;
  r.end = OWN_HOOKS.end;
}

/** True when the original call may proceed. */
function commitNow(res: ServerResponse, pending: PendingCommit, headersArg?: OutgoingHttpHeaders): boolean {
  // After a failed commit, the error handler's response went out; the handler may still call
  // write/end for the response it meant to send: swallow those instead of writing after end.
  if (pending.failed && (res.writableEnded || res.headersSent)) return false;
  if (pending.done) return true;
  pending.done = true;
  if (res.headersSent) {
    pendings.delete(res);
    return true;
  }
  for (let p: PendingCommit | undefined = pending; p !== undefined; p = p.previous) {
    let cookie: string | null;
    try {
      cookie = p.store.commit(p.session);
    } catch (error) {
      // Stays in `pendings`, failed, so that the handler's later writes are swallowed.
      pending.failed = true;
      // Forget what the handler set up for the response it can no longer send.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = 500;
      p.next(error);
      return false;
    }
    if (cookie !== null) appendSetCookie(res, cookie, headersArg);
  }
  pendings.delete(res);
  return true;
}

/** The headers object of a `writeHead(status, [message], [headers])` call, if any. */
function headersArgOf(args: ArrayLike<unknown>): OutgoingHttpHeaders | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a !== null && typeof a === "object" && !Array.isArray(a)) return a as OutgoingHttpHeaders;
  }
  return undefined;
}

/**
 * `hookHeaders` for an async commit: the first `writeHead`/`write`/`end` starts the commit, and
 * they (and any that follow) are queued and replayed in order once the store has written the
 * session and its Set-Cookie is on the response. A failed commit drops the queue and goes to
 * `next(err)`, as the synchronous hook does. `write` answers true while queued: the queue is
 * replayed as soon as the store answers (bounded by the store's timeout).
 */
function hookHeadersAsync(res: ServerResponse, commit: () => Promise<string | null>, next: Next): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  type Method = keyof typeof original;
  let state: "open" | "committing" | "done" | "failed" = "open";
  const queue: Array<[Method, unknown[]]> = [];
  let headersArg: OutgoingHttpHeaders | undefined;

  const call = (method: Method, args: unknown[]): unknown => (original[method] as (...a: unknown[]) => unknown).apply(res, args);

  const start = (): void => {
    state = "committing";
    commit().then(
      (cookie) => {
        state = "done";
        if (cookie !== null && !res.headersSent) appendSetCookie(res, cookie, headersArg);
        for (const [method, args] of queue.splice(0)) call(method, args);
      },
      (error: unknown) => {
        state = "failed";
        queue.length = 0;
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.statusCode = 500;
        next(error);
      },
    );
  };

  const hooked = (method: Method, result: (res: ServerResponse) => unknown) =>
    function (this: ServerResponse, ...args: unknown[]) {
      if (state === "done") return call(method, args);
      // After a failed commit the error handler answers; the handler's own calls are swallowed.
      if (state === "failed") return method === "write" ? false : this;
      if (state === "open" && res.headersSent) {
        state = "done";
        return call(method, args);
      }
      if (method === "writeHead") {
        headersArg = args.find((a, i) => i > 0 && a !== null && typeof a === "object" && !Array.isArray(a)) as OutgoingHttpHeaders | undefined;
      }
      queue.push([method, args]);
      if (state === "open") start();
      return result(this);
    };

  res.writeHead = hooked("writeHead", (r) => r) as ServerResponse["writeHead"];
  res.write = hooked("write", () => true) as ServerResponse["write"];
  res.end = hooked("end", (r) => r) as ServerResponse["end"];
}

function appendSetCookie(res: ServerResponse, cookie: string, headersArg?: OutgoingHttpHeaders): void {
  // Headers given to writeHead() win over setHeader() ones, so a Set-Cookie there must carry ours.
  if (headersArg) {
    for (const name of Object.keys(headersArg)) {
      if (name.toLowerCase() === "set-cookie") {
        headersArg[name] = [...toList(headersArg[name]), cookie];
        return;
      }
    }
  }
  res.setHeader("Set-Cookie", [...toList(res.getHeader("Set-Cookie")), cookie]);
}

function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function sessionOf(req: IncomingMessage): RailsSession {
  const session = (req as Partial<RailsSessionRequest>).session;
  if (!sessionState(session)) throw new TypeError("req.session is missing: app.use(railsSession(...)) must run first");
  return session!;
}

function storeOf(req: IncomingMessage): SessionStore | ServerSessionCore {
  const store = attached.get(req)?.store;
  if (!store) throw new TypeError("app.use(railsSession(...)) must run first");
  return store;
}

/** Rails' flash for this request's session (src/rails/flash.ts), e.g. `flash(req).set("notice", "Saved")`. */
export function flash(req: IncomingMessage): {
  /** The messages the page would show, without consuming them. */
  read(): Flashes;
  /** Shows them: returns and removes them, as Rails does after rendering. */
  consume(): Flashes;
  /** `flash[key] = value` for the next page (Rails' or this app's). */
  set(key: string | RubySymbol, value: unknown): void;
  /** `flash.keep`. */
  keep(): Flashes;
} {
  const session = sessionOf(req);
  return {
    read: () => readFlash(session),
    consume: () => consumeFlash(session),
    set: (key, value) => setFlash(session, key, value),
    keep: () => keepFlash(session),
  };
}

/** The CSRF settings of the app, as its `railsVersion` / `loadDefaults` imply. */
function csrfOptionsOf(req: IncomingMessage) {
  const store = storeOf(req);
  const config = "store" in store ? store : store.jar.config;
  return {
    railsVersion: config.railsVersion.toFixed(1),
    // `urlsafe_csrf_tokens` comes from `load_defaults "6.1"` (ignored by the helper from 7.1 on).
    urlsafeCsrfTokens: Number(config.loadDefaults) >= 6.1,
  };
}

/**
 * `form_authenticity_token`: a masked token for a form in this app that Rails' `protect_from_forgery`
 * accepts (and `verifyAuthenticityToken` below). Creates `session["_csrf_token"]` when missing.
 */
export function formAuthenticityToken(req: IncomingMessage, formOptions?: FormOptions): string {
  return mintToken(sessionOf(req), { ...csrfOptionsOf(req), ...(formOptions ? { formOptions } : {}) });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * `protect_from_forgery with: :exception` for Express: a non-GET/HEAD/OPTIONS request must carry a
 * token of this session in `X-CSRF-Token` or in the parsed body's `authenticity_token` (mount a
 * body parser such as `express.urlencoded()` before it). Otherwise `next(InvalidAuthenticityTokenError)`.
 */
export function verifyAuthenticityToken(): Middleware {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method ?? "GET")) return next();
    const session = sessionOf(req);
    const header = req.headers["x-csrf-token"];
    const body = (req as RailsSessionRequest).body;
    const fromBody =
      body !== null && typeof body === "object" ? (body as Record<string, unknown>)["authenticity_token"] : undefined;
    // Inside a mounted router `req.url` is relative; Express keeps the full one in `originalUrl`.
    const path = ((req as { originalUrl?: string }).originalUrl ?? req.url ?? "/").split("?")[0]!;
    const { railsVersion } = csrfOptionsOf(req);
    const valid = (token: unknown) =>
      validAuthenticityToken(session, token, { railsVersion, formOptions: { action: path, method: req.method ?? "POST" } });
    if (valid(Array.isArray(header) ? header[0] : header) || valid(fromBody)) return next();
    next(new InvalidAuthenticityTokenError());
  };
}
