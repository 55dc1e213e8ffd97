/**
 * Server-side sessions both ways with real Rails 6.1 (rails-fixture-app with
 * `config.session_store :cache_store` over `:redis_cache_store` / `:mem_cache_store`), on the same
 * real Redis and Memcached: Rails writes → Node reads what Rails reads; Node writes or changes →
 * Rails reads exactly that; a Ruby-typed session survives a Node round trip Marshal-identical;
 * Node revokes → Rails finds the session gone. Node's zlib output (not Ruby's bytes) is inflated by Rails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import memjs from "memjs";
import { createSessionStore } from "../src/session/index.js";
import { RedisCacheStore } from "../src/stores/redisCacheStore.js";
import { MemCacheStore } from "../src/stores/memCacheStore.js";
import { revokeSession } from "../src/stores/management.js";
import { sessionIdFor, type ServerSessionStore } from "../src/stores/types.js";
import { dump as marshalDump } from "../src/marshal/index.js";
import { describeWithRails, runOracle, type RailsConfig } from "./helpers/rails.js";
import { connectRedis, describeWithMemcached, describeWithRedis, memcachedServers, redisUrl, uniqueNamespace } from "./helpers/servers.js";
import { asRailsReads } from "./helpers/vectors.js";
import { serverVectors } from "./helpers/serverVectors.js";

const SKB = "5f".repeat(64);
// Both sides on this pinned clock (the oracle travels to it): entries carry their own expiry times.
const NOW = new Date("2026-12-02T12:00:00Z");
const NOW_ISO = NOW.toISOString();
// Ruby objects Rails 6.1 itself read from a cache-store session: Symbol, Time, Bignums, binary, Range, HWIA, a shared String.
const rubyTyped = serverVectors.find((v) => v.rails.startsWith("6.1") && v.store === "redis_cache_store" && v.scenario === "session_ruby_types")!;
const rich = serverVectors.find((v) => v.rails.startsWith("6.1") && v.store === "redis_cache_store" && v.scenario === "session_rich")!;

interface Setup {
  label: string;
  cache: Record<string, unknown>;
  expireAfter: number | null;
  store: (namespace: string) => ServerSessionStore;
}

type ServerConfig = RailsConfig & { session_store: { type: "cache_store"; cache: Record<string, unknown> } };

function oracleConfig(setup: Setup, namespace: string): ServerConfig {
  return {
    defaults: "6.1",
    serializer: "json",
    secret_key_base: SKB,
    session_key: "_app_session",
    expire_after: setup.expireAfter,
    extra: {},
    session_store: { type: "cache_store", cache: { ...setup.cache, namespace } },
  };
}

function bothWays(setup: Setup) {
  it(`${setup.label}: Rails ⇄ Node, Ruby types intact, revocation`, async () => {
    const namespace = uniqueNamespace("rails");
    const config = oracleConfig(setup, namespace);
    const store = setup.store(namespace);
    const core = createSessionStore({ key: "_app_session", store, expireAfter: setup.expireAfter, loadDefaults: "6.1", railsVersion: "6.1", now: () => NOW });

    // 1. Rails writes: a JSON-shaped session and a Ruby-typed one.
    const [byRails, typedByRails] = await runOracle(config, [
      { op: "write", kind: "session", name: "_app_session", value_json: rich.rails_reads, now: NOW_ISO },
      { op: "write", kind: "session", name: "_app_session", value_marshal_b64: rubyTyped.rails_reads_marshal, now: NOW_ISO },
    ]);
    for (const written of [byRails!, typedByRails!]) {
      const found = await store.findSession(sessionIdFor(written["value"] as string), { now: NOW });
      expect(asRailsReads(found!.data)).toEqual(written["rails_reads"]);
      expect(Buffer.from(marshalDump(found!.data)).toString("base64")).toBe(written["rails_reads_marshal"]);
    }
    expect(typedByRails!["rails_reads_marshal"]).toBe(rubyTyped.rails_reads_marshal);

    // 2. Node writes a new session; Node changes Rails' Ruby-typed one; Node renews it unchanged (new id, full write).
    const fresh = await core.load(undefined);
    Object.assign(fresh, { user_id: 77, name: "Zoë <b>&amp;", big: 2n ** 70n, nested: { a: [1, 2.5, null] } });
    const freshCookie = (await core.commit(fresh))!;
    const changed = await core.load(`_app_session=${typedByRails!["value"]}`);
    changed["node"] = "changed here";
    await core.commit(changed);
    const renewed = await core.load(`_app_session=${typedByRails!["value"]}`);
    delete renewed["node"];
    renewed.renew();
    const renewedCookie = (await core.commit(renewed))!;
    const big = await core.load(undefined);
    big["blob"] = "x".repeat(3000); // above every threshold: compressed with node:zlib
    const bigCookie = (await core.commit(big))!;

    // 3. Rails reads what Node wrote.
    const idOf = (setCookie: string) => setCookie.split(";")[0]!.split("=")[1]!;
    const [readFresh, readChanged, readRenewed, readOld, readBig] = await runOracle(config, [
      { op: "read", kind: "session", name: "_app_session", value: idOf(freshCookie), now: NOW_ISO },
      { op: "read", kind: "session", name: "_app_session", value: byRails!["value"], now: NOW_ISO },
      { op: "read", kind: "session", name: "_app_session", value: idOf(renewedCookie), now: NOW_ISO },
      { op: "read", kind: "session", name: "_app_session", value: typedByRails!["value"], now: NOW_ISO },
      { op: "read", kind: "session", name: "_app_session", value: idOf(bigCookie), now: NOW_ISO },
    ]);
    expect(readFresh!["rails_reads"]).toEqual({ user_id: 77, name: "Zoë <b>&amp;", big: 2n ** 70n, nested: { a: [1, 2.5, null] } });
    expect(readFresh!["rails_reads_marshal"]).toBe(Buffer.from(marshalDump(fresh.toHash())).toString("base64"));
    expect(readChanged!["rails_reads"]).toEqual(rich.rails_reads);
    // Renewed: Rails reads the Ruby objects it wrote, Marshal-identical; the old id is gone (renew deletes it).
    expect(readRenewed!["rails_reads_marshal"]).toBe(rubyTyped.rails_reads_marshal);
    expect(readOld!["rails_reads"]).toBeNull();
    expect(readBig!["rails_reads"]).toEqual({ blob: "x".repeat(3000) });

    // 4. Node revokes; Rails finds nothing.
    await revokeSession(store, idOf(freshCookie));
    const [gone] = await runOracle(config, [{ op: "read", kind: "session", name: "_app_session", value: idOf(freshCookie), now: NOW_ISO }]);
    expect(gone!["rails_reads"]).toBeNull();
  }, 60_000);
}

describeWithRails("server-side sessions with real Rails 6.1", () => {
  describeWithRedis("RedisCacheStore", () => {
    let redis: Awaited<ReturnType<typeof connectRedis>>;
    beforeAll(async () => {
      redis = await connectRedis("node-redis");
    });
    afterAll(async () => redis.close());
    bothWays({ label: "redis_cache_store", cache: { store: "redis_cache_store", url: redisUrl }, expireAfter: null, store: (namespace) => new RedisCacheStore({ client: redis.client, namespace, loadDefaults: "6.1" }) });
    bothWays({
      label: "redis_cache_store, expire_after, compress_threshold 64",
      cache: { store: "redis_cache_store", url: redisUrl, compress_threshold: 64 },
      expireAfter: 1209600,
      store: (namespace) => new RedisCacheStore({ client: redis.client, namespace, loadDefaults: "6.1", compressThreshold: 64 }),
    });
  });
  describeWithMemcached("MemCacheStore", () => {
    let client: memjs.Client;
    beforeAll(() => {
      client = memjs.Client.create(memcachedServers, { timeout: 1, retries: 0, logger: { log: () => {} } });
    });
    afterAll(() => client.close());
    bothWays({ label: "mem_cache_store", cache: { store: "mem_cache_store", servers: memcachedServers }, expireAfter: 3600, store: (namespace) => new MemCacheStore({ client: client as never, namespace, loadDefaults: "6.1" }) });
  });
});
