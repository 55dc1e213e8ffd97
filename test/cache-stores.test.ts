/**
 * RedisCacheStore and MemCacheStore on real servers, through the session core: entries real Rails
 * 6.1–8.0 wrote (fixtures/rails-server-sessions) are put under their keys, then read, changed,
 * committed, revoked. Redis with node-redis and ioredis; Memcached with memjs.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import memjs from "memjs";
import { createSessionStore } from "../src/session/index.js";
import { RedisCacheStore } from "../src/stores/redisCacheStore.js";
import { MemCacheStore } from "../src/stores/memCacheStore.js";
import type { ServerSessionStore } from "../src/stores/types.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeWithMemcached, describeWithRedis, forEachRedisClient, memcachedServers, uniqueNamespace } from "./helpers/servers.js";
import { coderOptionsFor, describeVector, serverVectors, storeBytes, writtenAt, type ServerVector } from "./helpers/serverVectors.js";

/** One line per configuration and scenario worth a live trip: every rich and expiring session. */
const live = (store: ServerVector["store"]) => serverVectors.filter((v) => v.store === store && (v.scenario === "session_rich" || v.scenario === "session_expiring" || v.scenario === "session_ruby_types"));

/** The vector's key with our own namespace in place of the app's (so runs never collide). */
function keyUnder(v: ServerVector, namespace: string): string {
  const i = v.store_key.indexOf("_session_id:");
  return `${namespace}:${v.store_key.slice(i)}`;
}

async function roundTrip(v: ServerVector, store: ServerSessionStore, put: () => Promise<void>, exists: (key: string) => Promise<boolean>, key: string) {
  await put();
  const now = writtenAt(v);
  // `expire_after:` of the session store when set, else CacheStore takes the cache's `expires_in` (the store's default).
  const core = createSessionStore({ key: v.cookie_name, store, expireAfter: v.store_options.expire_after, loadDefaults: v.defaults as "6.1", railsVersion: v.rails.slice(0, 3), now: () => now });
  const session = await core.load(`${v.cookie_name}=${v.cookie_value}`);
  expect(session.id).toBe(v.public_session_id);
  expect(asRailsReads(session.toHash())).toEqual(v.rails_reads);

  const expireAfter = v.store_options.expire_after ?? v.store_options.cache?.expires_in ?? null;
  const untouched = await core.commit(session);
  // The Set-Cookie Rails sent, at the same clock: only when an expiry must be pushed forward.
  if (expireAfter === null) expect(untouched).toBeNull();
  else expect(untouched).toBe(v.set_cookie.replace(/expires=[^;]+/, `expires=${new Date(now.getTime() + expireAfter * 1000).toUTCString()}`));

  session["node"] = [1, "two"];
  expect(await core.commit(session)).toBe(expireAfter === null ? null : untouched);
  const again = await core.load(`${v.cookie_name}=${v.cookie_value}`);
  expect(asRailsReads(again["node"])).toEqual([1, "two"]);
  delete again["node"];
  expect(asRailsReads(again.toHash())).toEqual(v.rails_reads);

  // An expiring entry read after its expiry is a miss, as Rails' Entry#expired? makes it.
  if (expireAfter !== null) {
    const later = createSessionStore({ key: v.cookie_name, store, expireAfter: v.store_options.expire_after, loadDefaults: v.defaults as "6.1", now: () => new Date(now.getTime() + (expireAfter + 60) * 1000) });
    expect((await later.load(`${v.cookie_name}=${v.cookie_value}`)).id).not.toBe(v.public_session_id);
  }

  // Sign out: reset_session drops the entry under both ids.
  again.reset();
  await core.commit(again);
  expect(await exists(key)).toBe(false);
}

describeWithRedis("RedisCacheStore on a real Redis", () => {
  forEachRedisClient((client, flavour) => {

    for (const v of live("redis_cache_store")) {
      it(describeVector(v), async () => {
        const namespace = uniqueNamespace("rcs");
        const store = new RedisCacheStore({ client: client(), namespace, ...coderOptionsFor(v), expiresIn: v.store_options.cache!.expires_in ?? null });
        const key = keyUnder(v, namespace);
        await roundTrip(v, store, async () => void (await client().set(key, storeBytes(v))), async (k) => (await client().exists(k)) === 1, key);
      });
    }

    it("writes SET … PX with Rails' milliseconds and lists what it wrote", async () => {
      const namespace = uniqueNamespace("rcs-px");
      const store = new RedisCacheStore({ client: client(), namespace, loadDefaults: "7.1" });
      const now = new Date("2026-12-02T12:00:00.000Z");
      const core = createSessionStore({ key: "_s", store, expireAfter: 1209600, loadDefaults: "7.1", now: () => now });
      const s = await core.load(undefined);
      s["user_id"] = 7;
      await core.commit(s);
      const key = store.keyFor(`2::${createHash("sha256").update(s.id).digest("hex")}`);
      const pttl = Number(await (flavour === "ioredis" ? client().pttl(key) : client().pTTL(key)));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1209600000);
      const listed = [];
      for await (const e of store.listSessions({ now })) listed.push(e);
      expect(listed).toEqual([expect.objectContaining({ storeKey: key, data: expect.objectContaining({ user_id: 7 }), expiresAt: new Date(now.getTime() + 1209600000) })]);
    });

    it("another app's cache data under the key: a fresh session and bad_session_entry", async () => {
      const namespace = uniqueNamespace("rcs-bad");
      const store = new RedisCacheStore({ client: client(), namespace, loadDefaults: "7.1" });
      const id = "00112233445566778899aabbccddeeff";
      await client().set(store.keyFor(`2::${createHash("sha256").update(id).digest("hex")}`), Buffer.from("\x00\x11\x01garbage"));
      const errors: unknown[] = [];
      const core = createSessionStore({ key: "_s", store, onError: (e) => void errors.push(e) });
      const s = await core.load(`_s=${id}`);
      expect(s.id).not.toBe(id);
      expect(errors).toEqual([expect.objectContaining({ code: "bad_session_entry" })]);
    });
  });
});

describeWithMemcached("MemCacheStore on a real Memcached (memjs)", () => {
  let client: memjs.Client;
  beforeAll(() => {
    client = memjs.Client.create(memcachedServers, { timeout: 1, retries: 0, logger: { log: () => {} } });
  });
  afterAll(() => client.close());

  for (const v of live("mem_cache_store")) {
    it(describeVector(v), async () => {
      const namespace = uniqueNamespace("mcs");
      const store = new MemCacheStore({ client: client as never, namespace, ...coderOptionsFor(v) });
      const key = keyUnder(v, namespace);
      // The item exactly as Dalli stored it: body and flags.
      const flagged = { serialize: (_o: number, value: unknown, extras: Buffer) => ({ value, extras: Buffer.concat([Buffer.from([0, 0, 0, v.store_flags!]), extras.subarray(4)]) }), deserialize: (_o: number, value: unknown, extras: unknown) => ({ value, extras }) };
      await roundTrip(
        v,
        store,
        async () => {
          const own = (client as any).serializer;
          (client as any).serializer = flagged;
          const p = client.set(key, storeBytes(v), {});
          (client as any).serializer = own;
          await p;
        },
        async (k) => (await client.get(k)).value !== null,
        key,
      );
    });
  }

  it("writes Dalli's flags and TTL, and lists sessions with lru_crawler metadump", async () => {
    const namespace = uniqueNamespace("mcs-list");
    const store = new MemCacheStore({ client: client as never, namespace, loadDefaults: "7.1" });
    const now = new Date("2026-12-02T12:00:00.000Z");
    const core = createSessionStore({ key: "_s", store, expireAfter: 3600, loadDefaults: "7.1", now: () => now });
    const s = await core.load(undefined);
    s["warden.user.user.key"] = [[5], "salt"];
    await core.commit(s);
    const key = store.keyFor(`2::${createHash("sha256").update(s.id).digest("hex")}`);
    const item = await client.get(key);
    expect(item.flags!.readUInt32BE(0)).toBe(1);
    const listed = [];
    for await (const e of store.listSessions({ batchSize: 2 })) listed.push(e);
    expect(listed).toEqual([expect.objectContaining({ storeKey: key, data: expect.objectContaining({ "warden.user.user.key": [[5], "salt"] }) })]);
  });
});
