/**
 * `rails-cookie sessions list|show|revoke|trim --database-url …` on the rows real Rails stored
 * (fixtures/rails-ar-sessions): a SQLite file always, PostgreSQL and MariaDB when running.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions } from "../src/cli/sessions.js";
import { createSessionStore } from "../src/session/index.js";
import { setWardenUser } from "../src/rails/warden.js";
import { ActiveRecordStore } from "../src/stores/activeRecordStore.js";
import { sqlClientFor } from "../src/stores/activeRecord/drivers/index.js";
import { asRailsReads } from "./helpers/vectors.js";
import { fakeIo } from "./helpers/cliIo.js";
import { loadArLines, type ArRow } from "./helpers/ar-sessions.js";
import { databases, describeWithDatabase, freshTableName, type OpenDatabase } from "./helpers/sql.js";

const lines = loadArLines();
const stale = lines.find((l) => l.scenario === "session_stale" && l.serializer === "marshal" && l.rails.startsWith("8.0") && !l.secure_session_only)!;
const devise = lines.find((l) => l.scenario === "session_devise_csrf" && l.serializer === "marshal" && l.rails.startsWith("8.0") && !l.secure_session_only)!;
/** When `rails db:sessions:trim` ran for the stale line: its cutoff + 30 days. */
const trimNow = new Date(new Date(stale.trim!.cutoff).getTime() + 30 * 86_400_000).toISOString();

for (const target of databases) {
  describeWithDatabase(target, "rails-cookie sessions on a SQL store", () => {
    let db: OpenDatabase;
    let table: string;
    let base: string[];
    beforeAll(async () => {
      db = await target.open();
      table = freshTableName();
      await new ActiveRecordStore({ client: db.client, tableName: table }).createTable();
      const sql = sqlClientFor(db.client);
      const t = target.dialect === "mysql" ? `\`${table}\`` : `"${table}"`;
      for (const row of [...stale.trim!.deleted, ...stale.trim!.kept, devise.row] as ArRow[]) {
        await sql.execute(`INSERT INTO ${t} (session_id, data, created_at, updated_at) VALUES (?, ?, ?, ?)`, [row.session_id, row.data, row.created_at_text, row.updated_at_text]);
      }
      base = ["--database-url", db.url, "--table", table];
    });
    afterAll(async () => {
      await sqlClientFor(db.client).execute(`DROP TABLE ${target.dialect === "mysql" ? `\`${table}\`` : `"${table}"`}`, []);
      await db.close();
    });

    it("lists, shows, finds the Devise user, trims and revokes", async () => {
      let io = fakeIo();
      expect(await sessions(["list", ...base, "--json"], io)).toBe(0);
      const listed = io.text().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(listed.map((l) => l["storeKey"]).sort()).toEqual([...stale.trim!.deleted, ...stale.trim!.kept, devise.row].map((r) => r.session_id).sort());
      expect(listed.find((l) => l["storeKey"] === devise.row.session_id)!["user"]).toBe(7);
      expect(io.errors()).toContain("3 sessions");

      io = fakeIo();
      expect(await sessions(["list", ...base, "--user", "7"], io)).toBe(0);
      expect(io.text()).toContain(devise.row.session_id);
      expect(io.text()).toContain(`updated ${devise.row.updated_at.slice(0, 23)}Z`);

      io = fakeIo();
      expect(await sessions(["show", ...base, "--json", devise.value], io)).toBe(0);
      expect(JSON.parse(io.text())).toEqual({ id: devise.value, legacy: false, data: asRailsReads(devise.rails_reads) });

      // SESSION_DAYS_TRIM_THRESHOLD as the rake task reads it; --days wins over it.
      io = fakeIo({ SESSION_DAYS_TRIM_THRESHOLD: "30" });
      expect(await sessions(["trim", ...base, "--now", trimNow, "--json"], io)).toBe(0);
      expect(JSON.parse(io.text())).toEqual({ trimmed: 1, cutoff: new Date(stale.trim!.cutoff.slice(0, 23) + "Z").toISOString() });
      io = fakeIo();
      expect(await sessions(["trim", ...base, "--now", trimNow, "--days", "40"], io)).toBe(0);
      expect(io.text()).toMatch(/^trimmed 0 sessions not updated since /);

      io = fakeIo();
      expect(await sessions(["revoke", ...base, "--user", "7"], io)).toBe(0);
      expect(io.text()).toBe("revoked 1 session of user 7\n");
      io = fakeIo();
      expect(await sessions(["show", ...base, devise.value], io)).toBe(1);
    });

    it("lists a session whose Devise id is a Hash, and revoking a user passes it by", async () => {
      // Node writes it (Marshal): a Hash loads without a prototype, and String() of it threw.
      const store = new ActiveRecordStore({ client: db.client, tableName: table });
      const core = createSessionStore({ key: "_s", store, loadDefaults: "8.0" });
      const s = await core.load(undefined);
      setWardenUser(s, "user", { not: "an id" }, null);
      await core.commit(s);
      let io = fakeIo();
      expect(await sessions(["list", ...base], io)).toBe(0);
      expect(io.text()).toContain('user {"not":"an id"}  1 keys');
      io = fakeIo();
      expect(await sessions(["revoke", ...base, "--user", "42"], io)).toBe(0);
      expect(io.text()).toBe("revoked 0 sessions of user 42\n");
    });
  });
}

describe("rails-cookie sessions with bad SQL flags", () => {
  it("refuses what it cannot act on, with usage errors", async () => {
    await expect(sessions(["trim", "--redis", "redis://127.0.0.1:1"], fakeIo())).rejects.toThrow(/trim is for SQL stores/);
    await expect(sessions(["list", "--database-url", "oracle://x"], fakeIo())).rejects.toThrow(/postgres:\/\/, mysql:\/\/ or sqlite:/);
    await expect(sessions(["list", "--database-url", "sqlite:/nonexistent/dir/x.sqlite3"], fakeIo())).rejects.toMatchObject({ code: "store_unavailable" });
    await expect(sessions(["list", "--database-url", "sqlite::memory:", "--serializer", "yaml"], fakeIo())).rejects.toThrow(/--serializer/);
    await expect(sessions(["trim", "--database-url", "sqlite::memory:", "--days", "soon"], fakeIo())).rejects.toThrow(/--days/);
  });
});
