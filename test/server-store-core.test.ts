/**
 * The server-store core's contract with its store (src/session/serverStore.ts, src/stores/types.ts):
 * which writes it asks for, and when it tells the store the session is `untouched` (the data is
 * the very object `findSession` returned, never changed nor handed out in a changeable part), so
 * a store may skip serializing it. The stores' own rules are proven on real Redis, Memcached and
 * SQL against Rails' bytes elsewhere; this records only what the core passes.
 */
import { describe, expect, it } from "vitest";
import { createSessionStore } from "../src/session/index.js";
import type { FoundSession, ServerSessionStore, SessionId, WriteSessionOptions } from "../src/stores/types.js";
import { PINNED } from "./helpers/clock.js";

const PUBLIC_ID = "0123456789abcdef0123456789abcdef";

/** One stored session and a log of every write the core asked for. */
function recordingStore(data: Record<string, unknown>) {
  const writes: WriteSessionOptions[] = [];
  const store: ServerSessionStore = {
    name: "RecordingStore",
    async findSession(sid: SessionId): Promise<FoundSession | null> {
      if (sid.publicId !== PUBLIC_ID) return null;
      const copy = Object.assign(Object.create(null) as Record<string, unknown>, structuredClone(data));
      return { data: copy, payload: new Uint8Array([1, 2, 3]), legacy: false };
    },
    async writeSession(_sid, _data, options) {
      writes.push(options);
    },
    async deleteSession() {},
    async *listSessions() {},
    async deleteStoredSession() {
      return false;
    },
  };
  return { store, writes };
}

async function request(handler: (session: Record<string, unknown>) => void, expireAfter: number | null = null) {
  const { store, writes } = recordingStore({ user_id: 42, cart: [1, 2] });
  const core = createSessionStore({ key: "_app_session", store, expireAfter, now: () => PINNED });
  const session = await core.load(`_app_session=${PUBLIC_ID}`);
  handler(session);
  const setCookie = await core.commit(session);
  return { writes, setCookie };
}

describe("server-store core: what it tells the store", () => {
  it("a handler that reads only a scalar: untouched, with the loaded payload", async () => {
    const { writes, setCookie } = await request((s) => void s["user_id"]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ untouched: true, expireAfter: null });
    expect(writes[0]!.unchangedPayload).toEqual(new Uint8Array([1, 2, 3]));
    expect(setCookie).toBeNull();
  });

  it("a set, a delete, or a changeable value handed out: not untouched", async () => {
    for (const handler of [
      (s: Record<string, unknown>) => void (s["user_id"] = 43),
      (s: Record<string, unknown>) => void delete s["user_id"],
      (s: Record<string, unknown>) => void (s["cart"] as number[]).push(3),
      (s: Record<string, unknown>) => void (s as unknown as { toHash(): unknown }).toHash(),
    ]) {
      const { writes } = await request(handler);
      expect(writes).toHaveLength(1);
      expect(writes[0]!.untouched).toBe(false);
    }
  });

  it("a nil to drop is a change: not untouched", async () => {
    const { writes } = await request((s) => void (s["flash"] = null));
    expect(writes[0]!.untouched).toBe(false);
  });

  it("a forced write (expireAfter, renew) carries neither flag: the store must write", async () => {
    for (const [handler, expireAfter] of [
      [() => {}, 3600],
      [(s: Record<string, unknown>) => (s as unknown as { renew(): void }).renew(), null],
    ] as const) {
      const { writes } = await request(handler, expireAfter);
      expect(writes.at(-1)!.untouched).toBeUndefined();
      expect(writes.at(-1)!.unchangedPayload).toBeUndefined();
    }
  });
});
