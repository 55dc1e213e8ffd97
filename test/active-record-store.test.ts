/**
 * ActiveRecordStore on real databases (SQLite always; PostgreSQL and MariaDB when .ci/run or the
 * developer started them): every row real Rails 6.1–8.0 stored through activerecord-session_store
 * (fixtures/rails-ar-sessions) is put in a table verbatim, read, written back as the gem would on
 * the reading request, trimmed; and the rows Node writes are the rows the gem wrote.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ActiveRecordStore, type ActiveRecordStoreOptions } from "../src/stores/activeRecordStore.js";
import { sqlClientFor } from "../src/stores/activeRecord/drivers/index.js";
import { parseTimestamp, formatTimestamp } from "../src/stores/activeRecord/row.js";
import type { SqlClient, SqlValue } from "../src/stores/activeRecord/sql.js";
import { sessionIdFor } from "../src/stores/types.js";
import { SessionEntryError, SessionStoreUnavailableError } from "../src/errors.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeArLine, loadArLines, railsIgnoredRow, type ArLine, type ArRow } from "./helpers/ar-sessions.js";
import { databases, describeWithDatabase, freshTableName, type OpenDatabase } from "./helpers/sql.js";

const lines = loadArLines();
/** The reading request's clock (pinned; nothing here depends on today's date). */
const NOW = new Date("2031-05-06T07:08:09.123Z");

/** Rows as the database holds them, read back as text. */
async function rowsOf(sql: SqlClient, table: string): Promise<ArRow[]> {
  const text = (c: string) =>
    sql.dialect === "postgresql" ? `"${c}"::text` : sql.dialect === "mysql" ? `CAST(\`${c}\` AS CHAR)` : `"${c}"`;
  const t = sql.dialect === "mysql" ? `\`${table}\`` : `"${table}"`;
  const rows = await sql.query(
    `SELECT ${text("session_id")} AS session_id, ${text("data")} AS data, ${text("created_at")} AS created_at_text, ${text("updated_at")} AS updated_at_text FROM ${t} ORDER BY ${text("session_id")}`,
    [],
  );
  return rows as unknown as ArRow[];
}

async function insertRow(sql: SqlClient, table: string, row: ArRow): Promise<void> {
  const t = sql.dialect === "mysql" ? `\`${table}\`` : `"${table}"`;
  await sql.execute(`INSERT INTO ${t} (session_id, data, created_at, updated_at) VALUES (?, ?, ?, ?)`, [
    row.session_id,
    row.data,
    row.created_at_text,
    row.updated_at_text,
  ]);
}

/** The same instant, whatever the database's rendering (PostgreSQL drops trailing zeros). */
const sameTime = (a: string, b: string) => parseTimestamp(a)!.getTime() === parseTimestamp(b)!.getTime();

function storeOptionsFor(line: ArLine, client: ActiveRecordStoreOptions["client"], tableName: string): ActiveRecordStoreOptions {
  return { client, tableName, serializer: line.serializer, gemVersion: line.gem_version, secureSessionOnly: line.secure_session_only };
}

for (const target of databases) {
  describeWithDatabase(target, "ActiveRecordStore on the rows real Rails stored", () => {
    let db: OpenDatabase;
    let sql: SqlClient;
    const tables = new Map<string, string>();
    const dropped: string[] = [];
    // jsonb is PostgreSQL's; elsewhere the `null` lines use a json column (MySQL re-renders its text).
    const dataTypeOn = (line: ArLine) => (target.dialect === "postgresql" ? line.data_type : line.data_type === "text" ? "text" : "json");
    const exactText = (line: ArLine) => dataTypeOn(line) === "text" || target.dialect !== "mysql";

    async function tableFor(line: ArLine, own = false): Promise<string> {
      const key = `${line.serializer}/${dataTypeOn(line)}`;
      if (!own && tables.has(key)) return tables.get(key)!;
      const name = freshTableName();
      const store = new ActiveRecordStore({ client: db.client, tableName: name, serializer: line.serializer });
      await store.createTable({ dataType: dataTypeOn(line) });
      if (!own) tables.set(key, name);
      dropped.push(name);
      return name;
    }

    beforeAll(async () => {
      db = await target.open();
      sql = sqlClientFor(db.client);
    });
    afterAll(async () => {
      for (const name of dropped) await sql.execute(`DROP TABLE ${target.dialect === "mysql" ? `\`${name}\`` : `"${name}"`}`, []);
      await db.close();
    });

    describe("reads each row as Rails read it, and leaves the row as the reading request left it", () => {
      for (const line of lines) {
        if (line.data_type === "jsonb" && target.dialect !== "postgresql") continue;
        it(describeArLine(line), async () => {
          const table = await tableFor(line);
          await insertRow(sql, table, line.row);
          const store = new ActiveRecordStore(storeOptionsFor(line, db.client, table));
          const sid = sessionIdFor(line.value);
          const found = await store.findSession(sid);
          if (railsIgnoredRow(line)) {
            expect(found).toBeNull(); // Rails read {} and sent a new cookie
            const [publicRow] = (await rowsOf(sql, table)).filter((r) => r.session_id === line.value);
            expect(publicRow!.data).toBe(line.public_id_row_after_read!.data);
            expect(sameTime(publicRow!.updated_at_text, line.public_id_row_after_read!.updated_at_text)).toBe(true);
            return;
          }
          expect(found).not.toBeNull();
          expect(asRailsReads(found!.data)).toEqual(line.rails_reads);
          expect(found!.legacy).toBe(line.scenario === "session_legacy_public_id");

          // The reading request: Rack's commit_session hands write_session the session it loaded.
          await store.writeSession(sid, found!.data, { now: NOW, expireAfter: line.expire_after });
          const rows = (await rowsOf(sql, table)).filter((r) => r.session_id === sid.privateId || r.session_id === line.value);
          const after = line.row_after_read!;
          expect(rows).toHaveLength(1);
          expect(rows[0]!.session_id).toBe(after.session_id);
          if (exactText(line)) expect(rows[0]!.data).toBe(after.data);
          else expect(store.loadData(rows[0]!.data)).toEqual(store.loadData(after.data));
          expect(sameTime(rows[0]!.created_at_text, line.row.created_at_text)).toBe(true);
          const touched = after.updated_at !== line.row.updated_at;
          expect(sameTime(rows[0]!.updated_at_text, touched ? formatTimestamp(NOW) : line.row.updated_at_text)).toBe(true);
        });
      }
    });

    describe("writes the row the gem wrote for the same session", () => {
      for (const line of lines) {
        if (line.scenario !== "session_rich" && line.scenario !== "session_ruby_types") continue;
        if (line.data_type === "jsonb" && target.dialect !== "postgresql") continue;
        if (!exactText(line)) continue;
        it(describeArLine(line), async () => {
          const table = await tableFor(line);
          const store = new ActiveRecordStore(storeOptionsFor(line, db.client, table));
          // A session with Rails' data under a new id (its own row), written by Node.
          const sid = sessionIdFor(`${line.value.slice(0, 24)}n0de0000`);
          await store.writeSession(sid, store.loadData(line.row.data), { now: NOW, expireAfter: line.expire_after });
          const [row] = (await rowsOf(sql, table)).filter((r) => r.session_id === sid.privateId);
          expect(row!.data).toBe(line.row.data); // jsonb included: PostgreSQL renders Node's JSON as it rendered Rails'
          expect(sameTime(row!.created_at_text, formatTimestamp(NOW))).toBe(true);
          expect(row!.updated_at_text).toBe(row!.created_at_text);
        });
      }
    });

    describe("trims like `rails db:sessions:trim`", () => {
      for (const line of lines) {
        if (line.scenario !== "session_stale") continue;
        if (line.data_type === "jsonb" && target.dialect !== "postgresql") continue;
        it(describeArLine(line), async () => {
          const table = await tableFor(line, true);
          const trim = line.trim!;
          for (const row of [...trim.deleted, ...trim.kept]) await insertRow(sql, table, row);
          const store = new ActiveRecordStore(storeOptionsFor(line, db.client, table));
          const now = new Date(new Date(trim.cutoff).getTime() + trim.threshold_days * 86_400_000);
          expect(await store.trim({ now })).toBe(trim.deleted.length);
          const left = await rowsOf(sql, table);
          expect(left.map((r) => r.session_id)).toEqual(trim.kept.map((r) => r.session_id).sort());
          if (exactText(line)) expect(left.map((r) => r.data)).toEqual(trim.kept.map((r) => r.data));
          // With the stale cookie Rails then read {} (and started a new session): so do we.
          expect(asRailsReads({})).toEqual(line.rails_reads_after_trim);
          expect(await store.findSession(sessionIdFor(line.value))).toBeNull();
          // The session Rails then created is the row Node creates for an empty session.
          const fresh = sessionIdFor(`${line.value.slice(0, 24)}f7e50000`);
          await store.writeSession(fresh, Object.create(null), { now, expireAfter: line.expire_after });
          const [created] = (await rowsOf(sql, table)).filter((r) => r.session_id === fresh.privateId);
          if (exactText(line)) expect(created!.data).toBe(line.row_created_after_trim!.data);
          else expect(store.loadData(created!.data)).toEqual({});
        });
      }

      it("deletes in batches of batchSize, one short DELETE each", async () => {
        const line = lines.find((l) => l.scenario === "session_stale" && l.serializer === "marshal")!;
        const table = await tableFor(line, true);
        for (let i = 0; i < 25; i++) {
          await insertRow(sql, table, { ...line.row, session_id: `2::stale${String(i).padStart(3, "0")}` });
        }
        await insertRow(sql, table, line.trim!.kept[0]!);
        const inner = sqlClientFor(db.client);
        const statements: string[] = [];
        const counting: SqlClient = {
          dialect: inner.dialect,
          query: (s, p) => inner.query(s, p),
          execute: (s: string, p: readonly SqlValue[]) => (statements.push(s), inner.execute(s, p)),
          isUniqueViolation: (e) => inner.isUniqueViolation(e),
        };
        const store = new ActiveRecordStore({ client: counting, tableName: table });
        const now = new Date(new Date(line.trim!.cutoff).getTime() + 30 * 86_400_000);
        expect(await store.trim({ now, batchSize: 10 })).toBe(25);
        expect(statements).toHaveLength(3); // 10 + 10 + 5
        expect((await rowsOf(sql, table)).map((r) => r.session_id)).toEqual([line.trim!.kept[0]!.session_id]);
      });
    });

    describe("sessions a person can manage", () => {
      it("lists every row in session_id order, page by page, bad rows with their error; deletes one", async () => {
        const line = lines.find((l) => l.serializer === "marshal" && l.scenario === "session_rich" && l.adapter === "sqlite3")!;
        const table = await tableFor(line, true);
        for (let i = 0; i < 5; i++) await insertRow(sql, table, { ...line.row, session_id: `2::row${i}` });
        await insertRow(sql, table, { ...line.row, session_id: "2::row9", data: "garbage" });
        const store = new ActiveRecordStore({ client: db.client, tableName: table });
        const listed = [];
        for await (const s of store.listSessions({ batchSize: 2 })) listed.push(s);
        expect(listed.map((s) => s.storeKey)).toEqual(["2::row0", "2::row1", "2::row2", "2::row3", "2::row4", "2::row9"]);
        expect(asRailsReads(listed[0]!.data)).toEqual(line.rails_reads);
        expect(listed[0]!.updatedAt!.toISOString()).toBe(`${line.row.updated_at.slice(0, 23)}Z`);
        expect(listed[5]!.data).toBeNull();
        expect(listed[5]!.error).toBeInstanceOf(SessionEntryError);
        expect(await store.deleteStoredSession("2::row3")).toBe(true);
        expect(await store.deleteStoredSession("2::row3")).toBe(false);
        expect((await rowsOf(sql, table)).map((r) => r.session_id)).not.toContain("2::row3");
      });

      it("reset_session (deleteSession) removes the row under the private id and a legacy one", async () => {
        const legacy = lines.find((l) => l.serializer === "marshal" && l.scenario === "session_legacy_public_id" && !l.secure_session_only)!;
        const table = await tableFor(legacy, true);
        await insertRow(sql, table, legacy.row);
        const sid = sessionIdFor(legacy.value);
        await insertRow(sql, table, { ...legacy.row, session_id: sid.privateId });
        const store = new ActiveRecordStore({ client: db.client, tableName: table });
        await store.deleteSession(sid);
        expect(await rowsOf(sql, table)).toEqual([]);
      });

      it("a bad row is a SessionEntryError for the core, never a crash", async () => {
        const line = lines.find((l) => l.serializer === "json" && l.scenario === "session_rich")!;
        const table = await tableFor(line, true);
        const store = new ActiveRecordStore({ client: db.client, tableName: table, serializer: "marshal" });
        await insertRow(sql, table, line.row); // a JSON row under :marshal
        await expect(store.findSession(sessionIdFor(line.value))).rejects.toMatchObject({ code: "bad_session_entry" });
      });

      it("two first writes of one new session at once: the second updates (last write wins)", async () => {
        const line = lines.find((l) => l.serializer === "marshal" && l.scenario === "session_rich")!;
        const table = await tableFor(line, true);
        const inner = sqlClientFor(db.client);
        const sid = sessionIdFor("0123456789abcdef0123456789abcdef");
        let raced = false;
        const racing: SqlClient = {
          ...inner,
          query: (s, p) => inner.query(s, p),
          execute: async (s, p) => {
            if (!raced && s.startsWith("INSERT")) {
              raced = true; // another request inserts the same session between our SELECT and INSERT
              await insertRow(sql, table, { ...line.row, session_id: sid.privateId, data: "BAh7AA==\n" });
            }
            return inner.execute(s, p);
          },
          isUniqueViolation: (e) => inner.isUniqueViolation(e),
        };
        const store = new ActiveRecordStore({ client: racing, tableName: table });
        await store.writeSession(sid, store.loadData(line.row.data), { now: NOW, expireAfter: null });
        const rows = await rowsOf(sql, table);
        expect(rows).toHaveLength(1);
        expect(rows[0]!.data).toBe(line.row.data);
      });
    });
  });
}

describe("a database that is down or slow", () => {
  it("gives store_unavailable when the server refuses (PostgreSQL driver, closed loopback port)", async () => {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none", connectionTimeoutMillis: 2000 });
    const store = new ActiveRecordStore({ client: pool });
    const error = await store.findSession(sessionIdFor("0123456789abcdef0123456789abcdef")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect((error as Error).message).toMatch(/find_session failed/);
    await pool.end();
  });

  it("gives store_unavailable when the server refuses (mysql2 driver, closed loopback port)", async () => {
    const mysql = await import("mysql2/promise");
    const pool = mysql.createPool({ host: "127.0.0.1", port: 1, user: "nobody", connectTimeout: 2000 });
    const store = new ActiveRecordStore({ client: pool });
    await expect(store.findSession(sessionIdFor("0123456789abcdef0123456789abcdef"))).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await pool.end();
  });

  it("gives store_unavailable on a closed SQLite database", async () => {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(":memory:");
    const store = new ActiveRecordStore({ client: db });
    await store.createTable();
    db.close();
    await expect(store.writeSession(sessionIdFor("0123456789abcdef0123456789abcdef"), {}, { now: NOW, expireAfter: null })).rejects.toMatchObject({
      code: "store_unavailable",
    });
  });

  it("bounds the wait: a database that never answers is store_unavailable after `timeout` seconds", async () => {
    vi.useFakeTimers();
    try {
      const silent: SqlClient = {
        dialect: "postgresql",
        query: () => new Promise(() => {}),
        execute: () => new Promise(() => {}),
        isUniqueViolation: () => false,
      };
      const store = new ActiveRecordStore({ client: silent, timeout: 2 });
      const pending = store.findSession(sessionIdFor("0123456789abcdef0123456789abcdef")).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(2000);
      const error = await pending;
      expect(error).toBeInstanceOf(SessionStoreUnavailableError);
      expect((error as Error).message).toMatch(/within 2 s/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the periodic cleaner", () => {
  it("trims every interval with maxAge, never keeps the process alive, stops with close()", async () => {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(":memory:");
    const line = lines.find((l) => l.scenario === "session_stale" && l.serializer === "marshal")!;
    const cutoff = new Date(line.trim!.cutoff);
    const clock = { now: new Date(cutoff.getTime() + 30 * 86_400_000) };
    vi.useFakeTimers();
    try {
      const errors: Error[] = [];
      const store = new ActiveRecordStore({ client: db });
      await store.createTable();
      const sql = sqlClientFor(db);
      for (const row of [...line.trim!.deleted, ...line.trim!.kept]) await insertRow(sql, "sessions", row);
      store.startCleaner({ maxAge: 30 * 86_400, interval: 60, now: () => clock.now, onError: (e) => errors.push(e) });
      expect(store.cleaning).toBe(true);
      await vi.advanceTimersByTimeAsync(59_000);
      expect((await rowsOf(sql, "sessions")).length).toBe(2); // not yet
      await vi.advanceTimersByTimeAsync(1_000);
      expect((await rowsOf(sql, "sessions")).map((r) => r.session_id)).toEqual(line.trim!.kept.map((r) => r.session_id));
      // 2 more days: the 29-day row is now 31 days old.
      clock.now = new Date(clock.now.getTime() + 2 * 86_400_000);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(await rowsOf(sql, "sessions")).toEqual([]);
      await store.close();
      expect(store.cleaning).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      vi.useRealTimers();
      db.close();
    }
  });

  it("its timer is unref'd", async () => {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(":memory:");
    const spy = vi.spyOn(globalThis, "setInterval");
    const store = new ActiveRecordStore({ client: db, cleaner: { maxAge: 60, interval: 60 } });
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    await store.close();
    db.close();
  });

  it("hands a failed run to onError and keeps running", async () => {
    const failing: SqlClient = {
      dialect: "sqlite",
      query: () => Promise.reject(new Error("disk I/O error")),
      execute: () => Promise.reject(new Error("disk I/O error")),
      isUniqueViolation: () => false,
    };
    vi.useFakeTimers();
    try {
      const errors: Error[] = [];
      const store = new ActiveRecordStore({ client: failing, cleaner: { interval: 1, now: () => NOW, onError: (e) => errors.push(e) } });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(SessionStoreUnavailableError);
      await store.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the drivers a Node user already has", () => {
  it("takes a pg Pool or Client, a mysql2 pool (promise or callback) or connection, a better-sqlite3 Database", async () => {
    const { default: pg } = await import("pg");
    const mysql = await import("mysql2");
    const { default: Database } = await import("better-sqlite3");
    const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none" });
    const callbackPool = mysql.createPool({ host: "127.0.0.1", port: 1 });
    const db = new Database(":memory:");
    expect(sqlClientFor(pool).dialect).toBe("postgresql");
    expect(sqlClientFor(new pg.Client({ connectionString: "postgres://nobody@127.0.0.1:1/none" })).dialect).toBe("postgresql");
    expect(sqlClientFor(callbackPool).dialect).toBe("mysql");
    expect(sqlClientFor(callbackPool.promise()).dialect).toBe("mysql");
    expect(sqlClientFor(db).dialect).toBe("sqlite");
    expect(() => new ActiveRecordStore({ client: {} as never })).toThrow(/client must be/);
    expect(() => new ActiveRecordStore({ client: db, tableName: "sessions; DROP TABLE x" })).toThrow(/identifier/);
    expect(() => new ActiveRecordStore({ client: db, serializer: "yaml" as never })).toThrow(/serializer/);
    expect(() => new ActiveRecordStore({ client: db, gemVersion: "1.1.3" })).toThrow(/gemVersion/);
    await pool.end();
    callbackPool.end();
    db.close();
  });
});
