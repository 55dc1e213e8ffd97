/**
 * `MemCacheStore`: sessions under `config.session_store :cache_store` with
 * `config.cache_store = :mem_cache_store, "host:port", { namespace:, expires_in:, … }`
 * (activesupport/lib/active_support/cache/mem_cache_store.rb over Dalli 3), through a `memjs` client.
 *
 * The item is what Dalli stores (src/cache/dalli.ts): flags 0x1 and a Marshal'd body; the TTL is
 * `expires_in.to_i` seconds, and Dalli sends a TTL beyond 30 days as an absolute Unix time (memcached
 * reads larger relative values as timestamps; dalli lib/dalli/protocol/ttl_sanitizer.rb).
 *
 * memjs writes flags 0 and takes no flags argument; its documented `serializer` hook can set them,
 * so `set` swaps in a serializer that writes Dalli's flags for the one synchronous call that builds
 * the request, and puts the client's own back right after.
 *
 * Listing: memcached has no SCAN; `lru_crawler metadump all` (memcached 1.4.31+) streams every key,
 * read here over a connection of its own to each server of the client, a line at a time.
 */
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { InvalidOptionError, SessionEntryError, SessionStoreUnavailableError, type RailsCookieError } from "../errors.js";
import { dalliEntryBytes, dalliItem } from "../cache/dalli.js";
import { bounded, positiveSeconds } from "./bounded.js";
import { CacheSessionCodec, type CacheStoreOptions } from "./cacheSession.js";
import { DEFAULT_SERVER_TIMEOUT } from "./redisClient.js";
import { bytesEqual } from "./redisListing.js";
import type { FoundSession, ListSessionsOptions, ServerSessionStore, SessionId, StoredSessionInfo, WriteSessionOptions } from "./types.js";

interface MemjsSerializer {
  serialize(opcode: number, value: unknown, extras: unknown): { value: unknown; extras: unknown };
  deserialize(opcode: number, value: unknown, extras: unknown): { value: unknown; extras: unknown };
}

/** The parts of a `memjs` Client (1.x) this store uses. */
export interface MemjsClientLike {
  get(key: string): Promise<{ value: Buffer | null; flags: Buffer | null }>;
  set(key: string, value: Buffer, options: { expires?: number }): Promise<boolean | null>;
  delete(key: string): Promise<boolean | null>;
  serializer: MemjsSerializer;
  servers?: Array<{ host: string; port: number | string }>;
}

export interface MemCacheStoreOptions extends CacheStoreOptions {
  /** A `memjs.Client.create("host:port")` client. */
  client: MemjsClientLike;
}

/** Dalli's `MAX_ACCEPTABLE_EXPIRATION_INTERVAL`: 30 days. */
const MAX_RELATIVE_TTL = 30 * 24 * 60 * 60;
/** Rails' MemCacheStore `KEY_MAX_SIZE` (memcached's key limit). */
const KEY_MAX_SIZE = 250;
const SESSION_KEY_ID = /^(?:2::[0-9a-f]{64}|[0-9a-f]{32})$/;

export class MemCacheStore implements ServerSessionStore {
  readonly name = "MemCacheStore";
  readonly codec: CacheSessionCodec;
  readonly defaultExpireAfter: number | null;
  readonly #client: MemjsClientLike;
  readonly #timeout: number;

  constructor(options: MemCacheStoreOptions) {
    const c = options.client as Partial<MemjsClientLike> | null;
    if (!c || typeof c.get !== "function" || typeof c.set !== "function" || typeof c.delete !== "function" || !c.serializer) {
      throw new InvalidOptionError("client must be a memjs client (memjs.Client.create)");
    }
    this.codec = new CacheSessionCodec(options);
    this.defaultExpireAfter = this.codec.expiresIn;
    this.#client = options.client;
    this.#timeout = positiveSeconds(options.timeout ?? DEFAULT_SERVER_TIMEOUT, "timeout") * 1000;
  }

  /** `normalize_key`: the namespaced key, `%XX`-escaping what memcached keys cannot hold. */
  keyFor(id: string): string {
    const key = Buffer.from(this.codec.keyFor(id), "utf8")
      .toString("latin1")
      .replace(/[\x00-\x20%\x7f-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    // Rails hashes longer keys (`:hash:` + digest); a session key is that long only with a namespace near 180 characters.
    if (key.length > KEY_MAX_SIZE) throw new InvalidOptionError(`memcached key longer than ${KEY_MAX_SIZE} bytes: shorten the namespace`);
    return key;
  }

  async #get(key: string): Promise<{ value: Buffer; flags: number } | null> {
    const { value, flags } = await bounded(() => this.#client.get(key), this.#timeout, "Memcached get");
    if (value === null || value === undefined) return null;
    return { value, flags: flags && flags.length >= 4 ? flags.readUInt32BE(0) : 0 };
  }

  #read(item: { value: Buffer; flags: number }, now: Date | undefined) {
    let bytes: Uint8Array;
    try {
      bytes = dalliEntryBytes(item.value, item.flags, this.codec.coder.compressor);
    } catch (error) {
      if (error instanceof SessionEntryError) throw error;
      throw new SessionEntryError(`not a memcached item Dalli wrote: ${(error as Error).message}`, { cause: error });
    }
    return this.codec.read(bytes, now);
  }

  async findSession(sid: SessionId, options: { now?: Date } = {}): Promise<FoundSession | null> {
    for (const [id, legacy] of [[sid.privateId, false], [sid.publicId, true]] as const) {
      const item = await this.#get(this.keyFor(id));
      if (item === null) continue;
      const read = this.#read(item, options.now);
      if (read === null) continue;
      return { data: read.data, payload: item.value, legacy };
    }
    return null;
  }

  async writeSession(sid: SessionId, data: Record<string, unknown>, options: WriteSessionOptions): Promise<void> {
    // Rails rewrites every session it read; an item nobody changed stays as it is.
    if (options.unchangedPayload && options.untouched) return;
    const { body, flags } = dalliItem(this.codec.write(data, options.expireAfter, options.now), this.codec.coder.serializer === "marshal_6_1" || this.codec.coder.serializer === "coder_marshal");
    if (options.unchangedPayload && bytesEqual(body, options.unchangedPayload)) return;
    // `expires_in.to_i`; Dalli's TTL sanitizer turns more than 30 days into an absolute time.
    let ttl = options.expireAfter === null ? 0 : Math.trunc(options.expireAfter);
    if (ttl > MAX_RELATIVE_TTL) ttl += Math.trunc(options.now.getTime() / 1000);
    const client = this.#client;
    const key = this.keyFor(sid.privateId);
    const ok = await bounded(
      () => {
        const own = client.serializer;
        client.serializer = withFlags(own, flags);
        try {
          return client.set(key, Buffer.from(body.buffer, body.byteOffset, body.byteLength), { expires: ttl });
        } finally {
          client.serializer = own;
        }
      },
      this.#timeout,
      "Memcached set",
    );
    if (ok === false) throw new SessionEntryError("memcached refused the session item (larger than its item size limit?)");
  }

  async deleteSession(sid: SessionId): Promise<void> {
    await Promise.all([this.deleteStoredSession(this.keyFor(sid.privateId)), this.deleteStoredSession(this.keyFor(sid.publicId))]);
  }

  async deleteStoredSession(storeKey: string): Promise<boolean> {
    return (await bounded(() => this.#client.delete(storeKey), this.#timeout, "Memcached delete")) === true;
  }

  async *listSessions(options: ListSessionsOptions = {}): AsyncGenerator<StoredSessionInfo> {
    const servers = this.#client.servers ?? [];
    if (servers.length === 0) throw new InvalidOptionError("the memjs client lists no servers to read keys from");
    const prefix = this.keyFor("");
    const batchSize = options.batchSize ?? 500;
    for (const server of servers) {
      let batch: string[] = [];
      const flush = async function* (this: MemCacheStore): AsyncGenerator<StoredSessionInfo> {
        const keys = batch;
        batch = [];
        const items = await Promise.all(keys.map((k) => this.#get(k)));
        for (let i = 0; i < keys.length; i++) {
          const item = items[i];
          if (!item) continue;
          const storeKey = keys[i]!;
          try {
            const read = this.#read(item, undefined)!;
            yield { storeKey, data: read.data, expiresAt: read.expiresAt, updatedAt: null };
          } catch (error) {
            yield { storeKey, data: null, error: error as RailsCookieError, expiresAt: null, updatedAt: null };
          }
        }
      };
      for await (const key of metadumpKeys(server.host, Number(server.port), this.#timeout, options.signal)) {
        if (!key.startsWith(prefix) || !SESSION_KEY_ID.test(key.slice(prefix.length))) continue;
        batch.push(key);
        if (batch.length >= batchSize) yield* flush.call(this);
      }
      if (batch.length > 0) yield* flush.call(this);
    }
  }
}

/** The client's serializer, writing Dalli's `flags` into the request's extras (4 bytes flags, 4 bytes expiry). */
function withFlags(own: MemjsSerializer, flags: number): MemjsSerializer {
  return {
    serialize(opcode, value, extras) {
      const out = own.serialize(opcode, value, extras);
      if (Buffer.isBuffer(out.extras) && out.extras.length === 8) {
        const copy = Buffer.from(out.extras);
        copy.writeUInt32BE(flags, 0);
        return { value: out.value, extras: copy };
      }
      return out;
    },
    deserialize: (opcode, value, extras) => own.deserialize(opcode, value, extras),
  };
}

/** Every key on one memcached server (`lru_crawler metadump all`), streamed line by line. */
async function* metadumpKeys(host: string, port: number, timeout: number, signal?: AbortSignal): AsyncGenerator<string> {
  const socket = connect({ host, port });
  socket.setTimeout(timeout, () => socket.destroy(new Error(`memcached ${host}:${port} did not answer within ${timeout} ms`)));
  try {
    await bounded(() => new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject)), timeout, "Memcached connect");
    socket.write("lru_crawler metadump all\r\n");
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    for await (const line of lines) {
      signal?.throwIfAborted();
      if (line === "END") return;
      if (line.startsWith("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("BUSY")) {
        throw new SessionStoreUnavailableError(`memcached ${host}:${port} cannot list keys: ${line}`);
      }
      const match = /^key=(\S+)/.exec(line);
      // metadump URL-encodes keys; one that does not decode is not a key Rails wrote.
      let key: string | null = null;
      try {
        key = match ? decodeURIComponent(match[1]!) : null;
      } catch {
        key = null;
      }
      if (key !== null) yield key;
    }
  } finally {
    socket.destroy();
  }
}
