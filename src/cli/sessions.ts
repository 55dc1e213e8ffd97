/**
 * `rails-cookie sessions list|show|revoke`: server-side Rails sessions in Redis or Memcached, over
 * the management calls of src/stores/management.ts. The clients are the optional peer
 * dependencies (`redis` or `ioredis`, `memjs`), loaded only when this command runs.
 */
import type { LoadDefaults } from "../config.js";
import { SessionStoreUnavailableError } from "../errors.js";
import { wardenUser } from "../rails/warden.js";
import { findUserSessions, listSessions, revokeSession, revokeStoredSession, revokeUserSessions } from "../stores/management.js";
import { MemCacheStore, type MemjsClientLike } from "../stores/memCacheStore.js";
import { RedisCacheStore } from "../stores/redisCacheStore.js";
import type { RedisClientLike } from "../stores/redisClient.js";
import { RedisSessionStore, type RedisSessionStoreSerializer } from "../stores/redisSessionStore.js";
import { sessionIdFor, type ServerSessionStore, type StoredSessionInfo } from "../stores/types.js";
import type { ActiveRecordStore } from "../stores/activeRecordStore.js";
import type { CacheSerializer } from "../cache/coder.js";
import { EXIT_OK, EXIT_UNREADABLE, type Io } from "./io.js";
import { parse, UsageError } from "./options.js";
import { toJson } from "./output.js";
import { openSqlStore, SQL_FLAGS, SQL_HELP, trimSessions } from "./sqlSessions.js";

export const SESSIONS_HELP = `Usage: rails-cookie sessions <list|show|revoke|trim> (--redis URL | --memcached HOST:PORT | --database-url URL) [options]

Server-side Rails sessions: config.session_store :cache_store (RedisCacheStore, MemCacheStore) or
the redis-session-store gem (--store redis-session-store).

  list                     every session (SCAN, streamed); --user ID: only that Devise user's
  show <session-id>        one session, by the id its cookie carries
  revoke <session-id>      delete one session;  revoke --user ID: every session of that user
                           ("sign out everywhere");  revoke --key STORE_KEY: one listed entry

Options:
  --redis URL              redis://host:port/db (node-redis or ioredis must be installed)
  --memcached HOST:PORT    a memcached server (memjs must be installed)
  --store NAME             cache (default) | redis-session-store
  --namespace NS           the cache store's namespace:
  --key-prefix P           redis-session-store's key_prefix
  --serializer S           cache: marshal_6_1|marshal_7_0|marshal_7_1|message_pack;
                           redis-session-store: marshal (default)|json|hybrid
  --load-defaults X.Y      the app's config.load_defaults (sets cache_format_version; reading accepts all)
  --user ID  --scope S     a Devise user id, in Warden scope S (default user)
  --batch N                keys per SCAN round trip (default 500)
  --json                   one JSON object per line

Examples:
  rails-cookie sessions list --redis redis://127.0.0.1:6379/0 --namespace myapp-cache --user 42
  rails-cookie sessions revoke --redis redis://127.0.0.1:6379/0 --namespace myapp-cache --user 42
  rails-cookie sessions show --memcached 127.0.0.1:11211 3f1c…(32 hex)
  rails-cookie sessions list --database-url sqlite:db/production.sqlite3 --user 42
  rails-cookie sessions trim --database-url postgres://app@127.0.0.1/app_production --days 30

${SQL_HELP}`;

const FLAGS = {
  redis: { type: "string" },
  memcached: { type: "string" },
  store: { type: "string" },
  namespace: { type: "string" },
  "key-prefix": { type: "string" },
  user: { type: "string" },
  scope: { type: "string" },
  key: { type: "string" },
  batch: { type: "string" },
  json: { type: "boolean" },
  ...SQL_FLAGS,
} as const;

/** Progress on stderr every this many sessions of a long scan. */
const PROGRESS_EVERY = 1000;

export async function sessions(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === "--help" || action === "-h") {
    io.out(SESSIONS_HELP + "\n");
    return EXIT_OK;
  }
  if (action !== "list" && action !== "show" && action !== "revoke" && action !== "trim") throw new UsageError(`unknown sessions action ${JSON.stringify(action)}: list, show, revoke or trim`);
  const { values, positionals } = parse(rest, FLAGS);
  if (values["help"]) {
    io.out(SESSIONS_HELP + "\n");
    return EXIT_OK;
  }
  const v = values as Record<string, string | boolean | undefined>;
  const str = (name: string) => (typeof v[name] === "string" ? (v[name] as string) : undefined);
  const batchSize = str("batch") === undefined ? undefined : Number(str("batch"));
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) throw new UsageError("--batch must be a positive integer");
  const scope = str("scope") ?? "user";
  const user = str("user");

  if (action === "trim" && typeof v["database-url"] !== "string") {
    throw new UsageError("trim is for SQL stores (--database-url): Redis and Memcached expire sessions themselves");
  }
  const { store, close } = await openStore(v);
  try {
    if (action === "trim") return await trimSessions(v, io, store as ActiveRecordStore);
    if (action === "list") {
      const listed = user === undefined ? listSessions(store, { batchSize }) : findUserSessions(store, { id: user, scope, batchSize });
      let count = 0;
      for await (const session of listed) {
        io.out(v["json"] ? `${toJson(describe(session, scope))}\n` : `${line(session, scope)}\n`);
        if (++count % PROGRESS_EVERY === 0) io.err(io.paintErr.dim(`… ${count} sessions so far\n`));
      }
      io.err(io.paintErr.dim(`${count} session${count === 1 ? "" : "s"}\n`));
      return EXIT_OK;
    }
    if (action === "show") {
      const id = onePublicId(positionals);
      const found = await store.findSession(sessionIdFor(id));
      if (found === null) {
        io.err(`${io.paintErr.bad("error:")} no session ${id} in ${store.name}\n`);
        return EXIT_UNREADABLE;
      }
      io.out(`${toJson(v["json"] ? { id, legacy: found.legacy, data: found.data } : found.data, v["json"] ? 0 : 2)}\n`);
      return EXIT_OK;
    }
    // revoke
    if (user !== undefined) {
      const n = await revokeUserSessions(store, { id: user, scope, batchSize });
      io.out(v["json"] ? `${toJson({ revoked: n })}\n` : `revoked ${n} session${n === 1 ? "" : "s"} of ${scope} ${user}\n`);
    } else if (str("key") !== undefined) {
      const deleted = await revokeStoredSession(store, str("key")!);
      io.out(v["json"] ? `${toJson({ revoked: deleted ? 1 : 0 })}\n` : deleted ? "revoked 1 session\n" : "no such key\n");
    } else {
      await revokeSession(store, onePublicId(positionals));
      io.out(v["json"] ? `${toJson({ revoked: true })}\n` : "revoked\n");
    }
    return EXIT_OK;
  } finally {
    await close();
  }
}

function onePublicId(positionals: string[]): string {
  if (positionals.length !== 1 || !/^[0-9a-f]{32}$/.test(positionals[0]!)) throw new UsageError("give one session id (the 32 hex characters of the session cookie)");
  return positionals[0]!;
}

function userOf(session: StoredSessionInfo, scope: string): unknown {
  try {
    return session.data ? wardenUser(session.data, scope)?.id ?? null : null;
  } catch {
    return null;
  }
}

function describe(session: StoredSessionInfo, scope: string) {
  return {
    storeKey: session.storeKey,
    expiresAt: session.expiresAt,
    ...(session.updatedAt ? { updatedAt: session.updatedAt } : {}),
    user: userOf(session, scope),
    ...(session.error ? { error: (session.error as { code?: string }).code ?? session.error.message } : {}),
    data: session.data,
  };
}

function line(session: StoredSessionInfo, scope: string): string {
  const expires = session.expiresAt ? session.expiresAt.toISOString() : session.updatedAt ? `updated ${session.updatedAt.toISOString()}` : "no expiry";
  if (session.data === null) return `${session.storeKey}  ${expires}  unreadable: ${session.error?.message ?? "?"}`;
  const user = userOf(session, scope);
  // An id that is not a number or String (a hostile or broken session's) is shown as JSON: String()
  // of a decoded Hash, which has no prototype, throws and would end the listing.
  const shown = typeof user === "object" && user !== null ? toJson(user) : String(user);
  return `${session.storeKey}  ${expires}  ${user === null ? "no user" : `${scope} ${shown}`}  ${Object.keys(session.data).length} keys`;
}

async function openStore(v: Record<string, string | boolean | undefined>): Promise<{ store: ServerSessionStore; close: () => Promise<void> }> {
  if (typeof v["database-url"] === "string") {
    if (v["redis"] !== undefined || v["memcached"] !== undefined) throw new UsageError("give one of --redis, --memcached or --database-url");
    return openSqlStore(v);
  }
  const redis = typeof v["redis"] === "string" ? v["redis"] : undefined;
  const memcached = typeof v["memcached"] === "string" ? v["memcached"] : undefined;
  if ((redis === undefined) === (memcached === undefined)) throw new UsageError("give one of --redis URL or --memcached HOST:PORT (or --database-url URL)");
  const kind = (v["store"] as string | undefined) ?? "cache";
  if (kind !== "cache" && kind !== "redis-session-store") throw new UsageError("--store is cache or redis-session-store");
  const loadDefaults = v["load-defaults"] as LoadDefaults | undefined;
  const namespace = v["namespace"] as string | undefined;
  const serializer = v["serializer"] as string | undefined;
  const cacheOptions = { ...(namespace ? { namespace } : {}), ...(loadDefaults ? { loadDefaults } : {}), ...(serializer ? { serializer: serializer as CacheSerializer } : {}) };

  if (memcached !== undefined) {
    if (kind !== "cache") throw new UsageError("redis-session-store lives in Redis: use --redis");
    const memjs = (await importPeer("memjs")) as { Client: { create(servers: string, options: object): MemjsClientLike & { close(): void } } };
    const client = memjs.Client.create(memcached, { timeout: 1, retries: 1, logger: { log: () => {} } });
    return { store: new MemCacheStore({ client, ...cacheOptions }), close: async () => client.close() };
  }
  const { client, close } = await connectRedisUrl(redis!);
  const store =
    kind === "cache"
      ? new RedisCacheStore({ client, ...cacheOptions })
      : new RedisSessionStore({ client, keyPrefix: (v["key-prefix"] as string | undefined) ?? "", ...(serializer ? { serializer: serializer as RedisSessionStoreSerializer } : {}) });
  return { store, close };
}

/** node-redis if installed, else ioredis. */
async function connectRedisUrl(url: string): Promise<{ client: RedisClientLike; close: () => Promise<void> }> {
  try {
    const { createClient } = (await import("redis" as string)) as { createClient(o: object): RedisClientLike & { connect(): Promise<unknown>; close?(): Promise<void>; quit(): Promise<unknown>; on(e: string, f: () => void): void } };
    const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    client.on("error", () => {});
    await client.connect();
    return { client, close: async () => void (await (client.close ? client.close() : client.quit())) };
  } catch (error) {
    if (!isMissing(error)) throw new SessionStoreUnavailableError(`cannot connect to ${url}: ${(error as Error).message}`, { cause: error });
  }
  const { Redis } = (await importPeer("ioredis", "redis or ioredis")) as { Redis: new (url: string, o: object) => RedisClientLike & { connect(): Promise<void>; quit(): Promise<unknown> } };
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
  } catch (error) {
    throw new SessionStoreUnavailableError(`cannot connect to ${url}: ${(error as Error).message}`, { cause: error });
  }
  return { client, close: async () => void (await client.quit()) };
}

async function importPeer(name: string, what = name): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    if (isMissing(error)) throw new UsageError(`this needs the ${what} package (npm install ${name})`);
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string })?.code === "ERR_MODULE_NOT_FOUND" || (error as { code?: string })?.code === "MODULE_NOT_FOUND";
}
