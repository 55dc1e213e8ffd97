/**
 * RedisSessionStore (the redis-session-store gem) against what real Rails 6.1 and 8.0 stored with
 * the gem (fixtures/rails-server-sessions), offline and through a real Redis with both clients.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessionStore } from "../src/session/index.js";
import { RedisSessionStore } from "../src/stores/redisSessionStore.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeWithRedis, forEachRedisClient, uniqueNamespace } from "./helpers/servers.js";
import { describeVector, serverVectors, storeBytes, writtenAt } from "./helpers/serverVectors.js";

const gemVectors = serverVectors.filter((v) => v.store === "redis_session_store");
// A client that is never called: the offline tests only use decode/encode.
const offlineClient = { sendCommand: async () => null };

describe("RedisSessionStore reads and writes what the gem stored", () => {
  it("has the gem's vectors", () => expect(gemVectors.length).toBeGreaterThanOrEqual(30));
  for (const v of gemVectors) {
    it(describeVector(v), () => {
      const store = new RedisSessionStore({ client: offlineClient, keyPrefix: v.store_options.redis!.key_prefix ?? "", serializer: v.store_options.serializer });
      expect(v.store_key).toBe(store.keyFor(`2::${createHash("sha256").update(v.public_session_id).digest("hex")}`));
      const data = store.decode(storeBytes(v));
      expect(asRailsReads(data)).toEqual(v.rails_reads);
      // What Node writes for the same session is what the gem wrote, byte for byte.
      expect(Buffer.from(store.encode(data)).equals(storeBytes(v))).toBe(true);
    });
  }

  it("refuses bytes that are not a session of its serializer with a typed error", () => {
    const marshal = new RedisSessionStore({ client: offlineClient, serializer: "marshal" });
    const json = new RedisSessionStore({ client: offlineClient, serializer: "json" });
    for (const bad of [Buffer.from("garbage"), Buffer.from([4, 8, 0x7b, 0x06]), Buffer.from("[1,2]")]) {
      expect(() => marshal.decode(bad)).toThrow(expect.objectContaining({ code: "bad_session_entry" }));
      expect(() => json.decode(bad)).toThrow(expect.objectContaining({ code: "bad_session_entry" }));
    }
  });
});

describeWithRedis("RedisSessionStore on a real Redis, through the session core", () => {
  forEachRedisClient((client) => {

    for (const v of gemVectors.filter((x) => x.scenario === "session_rich" || x.scenario === "session_expiring")) {
      it(`loads, changes and commits ${describeVector(v)}`, async () => {
        const keyPrefix = `${uniqueNamespace("gem")}:`;
        const store = new RedisSessionStore({ client: client(), keyPrefix, serializer: v.store_options.serializer, expireAfter: v.store_options.redis!.expire_after });
        const key = v.store_key.slice((v.store_options.redis!.key_prefix ?? "").length);
        await client().set(keyPrefix + key, storeBytes(v));
        const now = writtenAt(v);
        const core = createSessionStore({ key: v.cookie_name, store, loadDefaults: v.defaults as "6.1", railsVersion: v.rails.slice(0, 3), now: () => now });

        const session = await core.load(`${v.cookie_name}=${v.cookie_value}`);
        expect(asRailsReads(session.toHash())).toEqual(v.rails_reads);
        expect(session.id).toBe(v.public_session_id);
        expect(session["session_id"]).toBe(v.public_session_id);
        // Unchanged, no expiry: nothing is written and no cookie sent (the id did not change).
        const untouched = await core.commit(session);
        if (v.store_options.redis!.expire_after === null) expect(untouched).toBeNull();
        else expect(untouched).toBe(v.set_cookie.replace(/expires=[^;]+/, `expires=${new Date(now.getTime() + 1209600_000).toUTCString()}`));

        session["node"] = "was here";
        await core.commit(session);
        const again = await core.load(`${v.cookie_name}=${v.cookie_value}`);
        expect(again["node"]).toBe("was here");
        expect(asRailsReads({ ...again.toHash(), node: undefined })).toEqual(asRailsReads({ ...(v.rails_reads as object), node: undefined }));

        // reset_session: the old entry goes, the new id gets a cookie.
        again.reset();
        const cookie = await core.commit(again);
        expect(cookie).toMatch(new RegExp(`^${v.cookie_name}=[0-9a-f]{32}; path=/;`));
        expect(await client().exists(keyPrefix + key)).toBe(0);
      });
    }

    it("a bad entry gives a fresh session, onError the typed error, and the gem's delete", async () => {
      const keyPrefix = `${uniqueNamespace("gem-bad")}:`;
      const store = new RedisSessionStore({ client: client(), keyPrefix });
      const publicId = "0123456789abcdef0123456789abcdef";
      const key = `${keyPrefix}2::${createHash("sha256").update(publicId).digest("hex")}`;
      await client().set(key, Buffer.from([4, 8, 0x7b, 0x7f, 0x7f, 0x7f, 0x7f]));
      const errors: unknown[] = [];
      const core = createSessionStore({ key: "_s", store, onError: (e) => void errors.push(e) });
      const session = await core.load(`_s=${publicId}`);
      expect(session.id).not.toBe(publicId);
      expect(Object.keys(session)).toEqual([]);
      expect(errors).toEqual([expect.objectContaining({ code: "bad_session_entry" })]);
      expect(await client().exists(key)).toBe(0);
      await core.load("_s=not-a-session-id");
      expect(errors[1]).toEqual(expect.objectContaining({ code: "bad_format" }));
    });
  });
});
