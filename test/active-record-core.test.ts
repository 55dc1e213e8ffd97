/**
 * ActiveRecordStore behind the session core (`createSessionStore({ key, store })`) and the Express
 * shell, on SQLite: a request with a cookie real Rails set reads what Rails read, leaves the row as
 * Rails' reading request left it, and Node's changes are rows the gem writes.
 */
import express from "express";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { createSessionStore } from "../src/session/index.js";
import { railsSession, type RailsSessionRequest } from "../src/express.js";
import type { RailsCookieError } from "../src/errors.js";
import { ActiveRecordStore } from "../src/stores/activeRecordStore.js";
import { sqlClientFor } from "../src/stores/activeRecord/drivers/index.js";
import { parseGemVersion } from "../src/stores/activeRecord/gemVersion.js";
import { dumpSessionData } from "../src/stores/activeRecord/serializers.js";
import { sessionIdFor } from "../src/stores/types.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeArLine, loadArLines, railsIgnoredRow, type ArLine } from "./helpers/ar-sessions.js";

const lines = loadArLines();
const NOW = new Date("2031-05-06T07:08:09.123Z");

async function storeWith(line: ArLine) {
  const db = new Database(":memory:");
  const store = new ActiveRecordStore({
    client: db,
    serializer: line.serializer,
    gemVersion: line.gem_version,
    secureSessionOnly: line.secure_session_only,
  });
  await store.createTable({ dataType: line.data_type === "text" ? "text" : "json" });
  const r = line.row;
  await sqlClientFor(db).execute("INSERT INTO sessions (session_id, data, created_at, updated_at) VALUES (?, ?, ?, ?)", [
    r.session_id,
    r.data,
    r.created_at_text,
    r.updated_at_text,
  ]);
  const rows = () => db.prepare("SELECT session_id, data, created_at, updated_at FROM sessions ORDER BY session_id").all() as Record<string, string>[];
  return { db, store, rows };
}

function coreFor(line: ArLine, store: ActiveRecordStore) {
  return createSessionStore({
    key: line.session_key,
    store,
    expireAfter: line.expire_after,
    loadDefaults: line.defaults as "6.1",
    railsVersion: line.rails.slice(0, 3),
    now: () => NOW,
  });
}

describe("a request with the cookie Rails set, through the session core", () => {
  for (const line of lines) {
    if (line.scenario === "session_stale") continue;
    it(describeArLine(line), async () => {
      const { db, store, rows } = await storeWith(line);
      const core = coreFor(line, store);
      const session = await core.load(`${line.name}=${line.value}`);
      expect(asRailsReads(session.toHash())).toEqual(line.rails_reads);
      const setCookie = await core.commit(session);
      if (railsIgnoredRow(line)) {
        // Rails started a new session: its gem saved an empty row for it on load and sent its cookie.
        // The core writes nothing for a new session that stays empty (docs/active-record-store.md).
        expect(line.read_set_cookie).not.toBeNull();
        expect(setCookie).toBeNull();
        expect(session.id).not.toBe(line.value);
        expect(rows()).toEqual([expect.objectContaining({ session_id: line.value, data: line.row.data })]);
      } else {
        // Rails sent a cookie on that request exactly when we do (only with expire_after: its expiry).
        expect(setCookie === null).toBe(line.read_set_cookie === null);
        expect(session.id).toBe(line.value);
        const [row] = rows();
        expect(row!.session_id).toBe(line.row_after_read!.session_id);
        expect(row!.data).toBe(line.row_after_read!.data);
        expect(row!.created_at).toBe(line.row.created_at_text);
        const touched = line.row_after_read!.updated_at !== line.row.updated_at;
        expect(row!.updated_at).toBe(touched ? "2031-05-06 07:08:09.123000" : line.row.updated_at_text);
      }
      db.close();
    });
  }
});

describe("Node's changes are the rows the gem writes", () => {
  const rich = lines.filter((l) => l.scenario === "session_rich" && l.adapter === "sqlite3");

  for (const line of rich) {
    it(`a changed key, reset_session and renew: ${describeArLine(line)}`, async () => {
      const { db, store, rows } = await storeWith(line);
      const core = coreFor(line, store);
      const gem = parseGemVersion(line.gem_version);

      const session = await core.load(`${line.name}=${line.value}`);
      session["user_id"] = 43;
      expect(await core.commit(session)).toBeNull(); // same id, no expiry: no cookie
      const expected = store.loadData(line.row.data);
      expected["user_id"] = 43;
      expect(rows()[0]!.data).toBe(dumpSessionData(expected, line.serializer, gem));
      expect(rows()[0]!.updated_at).toBe("2031-05-06 07:08:09.123000");

      // Devise's sign-in: renew keeps the data under a new id; the old row goes.
      const again = await core.load(`${line.name}=${line.value}`);
      again.renew();
      const renewed = await core.commit(again);
      expect(renewed).toMatch(new RegExp(`^${line.name}=[0-9a-f]{32};`));
      expect(rows().map((r) => r.session_id)).toEqual([sessionIdFor(again.id).privateId]);
      expect(rows()[0]!.data).toBe(dumpSessionData(expected, line.serializer, gem));

      // reset_session: the row goes, a new empty one takes its place (as the gem's delete_session + new record).
      const third = await core.load(`${line.name}=${again.id}`);
      third.reset();
      await core.commit(third);
      expect(rows()).toEqual([expect.objectContaining({ session_id: sessionIdFor(third.id).privateId, data: dumpSessionData(Object.create(null), line.serializer, gem) })]);
      db.close();
    });
  }

  it("a bad row starts a fresh session and goes to onError as bad_session_entry", async () => {
    const line = lines.find((l) => l.serializer === "json" && l.scenario === "session_rich" && l.adapter === "sqlite3")!;
    const { db, store } = await storeWith({ ...line, serializer: "marshal" });
    const errors: string[] = [];
    const core = createSessionStore({ key: line.session_key, store, now: () => NOW, onError: (e: RailsCookieError) => void errors.push(e.code) });
    const session = await core.load(`${line.name}=${line.value}`);
    expect(session.toHash()).toEqual({});
    expect(session.id).not.toBe(line.value);
    expect(errors).toEqual(["bad_session_entry"]);
    db.close();
  });

  it("Express: railsSession({ key, store }) on a SQLite file keeps a session across requests", async () => {
    const line = lines.find((l) => l.serializer === "marshal" && l.scenario === "session_rich" && l.adapter === "sqlite3")!;
    const { db, store, rows } = await storeWith(line);
    const app = express();
    app.use(railsSession({ key: line.session_key, store, now: () => NOW }));
    app.get("/", (req, res) => {
      const s = (req as unknown as RailsSessionRequest).session as unknown as Record<string, unknown>;
      s["visits"] = ((s["visits"] as number) ?? 0) + 1;
      res.json({ name: s["name"], visits: s["visits"] });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    try {
      const cookie = `${line.name}=${line.value}`;
      for (const visits of [1, 2]) {
        const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
        expect(await res.json()).toEqual({ name: "Zoë 🍪 <b>&amp;", visits });
      }
      expect(store.loadData(rows()[0]!.data ?? null)["visits"]).toBe(2);
    } finally {
      server.close();
      db.close();
    }
  });
});
