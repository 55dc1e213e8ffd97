/**
 * The Redis commands the stores send, over whichever client the app already runs: node-redis 4/5
 * (`redis`, `createClient()`) or ioredis (`new Redis()`), and so Valkey too. They are taken
 * structurally (connect-redis' convention), so neither is a dependency: node-redis through
 * `sendCommand(args, options)`, ioredis through `call` / `callBuffer`.
 *
 * Every command is bounded by `timeout` (seconds, default 1: the `read_timeout` /
 * `write_timeout` of 1 s Rails' RedisCacheStore gives its client, and from Rails 7.1 its
 * `connect_timeout` too; activesupport/lib/active_support/cache/redis_cache_store.rb
 * `DEFAULT_REDIS_OPTIONS`): a server that is down, or a client queueing commands while it
 * reconnects, becomes a `SessionStoreUnavailableError` instead of a request that hangs.
 */
import { InvalidOptionError, SessionStoreUnavailableError } from "../errors.js";
import { bounded, positiveSeconds } from "./bounded.js";

type Arg = string | Buffer;

/** node-redis 4/5: `client.sendCommand(["GET", key], options)`. */
export interface NodeRedisClientLike {
  sendCommand(args: Arg[], options?: unknown): Promise<unknown>;
}

/** ioredis 5: `client.call("GET", key)` and `client.callBuffer("GET", key)`. */
export interface IoRedisClientLike {
  call(command: string, ...args: Arg[]): Promise<unknown>;
  callBuffer(command: string, ...args: Arg[]): Promise<unknown>;
}

export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** node-redis 5 maps RESP blob strings (`$`, 36) to Buffers with this; node-redis 4 reads `returnBuffers`. */
const NODE_REDIS_BUFFERS = { returnBuffers: true, typeMapping: { 36: Buffer } };

/** Seconds a Redis or Memcached call may take by default (Rails' 1 s read/write timeout). */
export const DEFAULT_SERVER_TIMEOUT = 1;

export class RedisCommands {
  readonly #send: (args: Arg[], buffers: boolean) => Promise<unknown>;
  readonly #timeout: number;

  /** `timeout`: seconds. */
  constructor(client: RedisClientLike, timeout: number = DEFAULT_SERVER_TIMEOUT) {
    this.#timeout = positiveSeconds(timeout, "timeout") * 1000;
    const c = client as Partial<IoRedisClientLike & NodeRedisClientLike> | null;
    if (c && typeof c.callBuffer === "function" && typeof c.call === "function") {
      const io = client as IoRedisClientLike;
      this.#send = (args, buffers) => (buffers ? io.callBuffer(String(args[0]), ...args.slice(1)) : io.call(String(args[0]), ...args.slice(1)));
    } else if (c && typeof c.sendCommand === "function") {
      const node = client as NodeRedisClientLike;
      this.#send = (args, buffers) => (buffers ? node.sendCommand(args, NODE_REDIS_BUFFERS) : node.sendCommand(args));
    } else {
      throw new InvalidOptionError("client must be a node-redis (createClient) or ioredis client");
    }
  }

  /** One command, bounded in time; any client error becomes `SessionStoreUnavailableError`. */
  send(args: Arg[], buffers = false): Promise<unknown> {
    return bounded(() => this.#send(args, buffers), this.#timeout, `Redis ${String(args[0])}`);
  }

  async get(key: string): Promise<Buffer | null> {
    return toBuffer(await this.send(["GET", key], true));
  }

  async mget(keys: string[]): Promise<Array<Buffer | null>> {
    if (keys.length === 0) return [];
    const reply = await this.send(["MGET", ...keys], true);
    if (!Array.isArray(reply)) throw new SessionStoreUnavailableError("Redis MGET gave no array");
    return reply.map(toBuffer);
  }

  /** `SET key value [PX ms]`: what RedisCacheStore#write_entry sends. */
  async set(key: string, value: Uint8Array, pxMilliseconds: number | null): Promise<void> {
    const args: Arg[] = ["SET", key, Buffer.from(value.buffer, value.byteOffset, value.byteLength)];
    if (pxMilliseconds !== null) args.push("PX", String(pxMilliseconds));
    await this.send(args);
  }

  /** `SETEX key seconds value`: what redis-session-store writes with an expiry. */
  async setex(key: string, seconds: number, value: Uint8Array): Promise<void> {
    await this.send(["SETEX", key, String(seconds), Buffer.from(value.buffer, value.byteOffset, value.byteLength)]);
  }

  /** One `DEL` per key, sent together (pipelined): keys of one session may sit in different Redis Cluster slots. */
  async del(keys: string[]): Promise<number> {
    const counts = await Promise.all(keys.map((key) => this.send(["DEL", key])));
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /** PTTL in ms: -1 no expiry, -2 no key. */
  async pttl(key: string): Promise<number> {
    return Number(await this.send(["PTTL", key]));
  }

  /**
   * Every key matching `pattern`, one `SCAN` page at a time (never `KEYS`, which blocks the server):
   * memory stays at one page however many keys there are.
   */
  async *scan(pattern: string, count: number, signal?: AbortSignal): AsyncGenerator<string[]> {
    let cursor = "0";
    do {
      signal?.throwIfAborted();
      const reply = await this.send(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)]);
      if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw new SessionStoreUnavailableError("Redis SCAN gave an unexpected reply");
      cursor = String(reply[0]);
      const keys = (reply[1] as unknown[]).map(String);
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }
}

function toBuffer(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // A client set up to decode replies as text would corrupt binary entries: say so instead of guessing.
  throw new SessionStoreUnavailableError("the Redis client returned text where bytes were asked for");
}

/** Redis glob-escapes a literal prefix for `SCAN MATCH` (`*`, `?`, `[`, `]`, `\`). */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
