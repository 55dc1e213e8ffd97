/**
 * The live round trip with real Ruby: rows Node writes into SQLite, PostgreSQL and MariaDB are read
 * by Debian's Active Record 6.1 the way activerecord-session_store reads them, and rows Ruby writes
 * the gem's way are read by Node — Marshal-identical.
 *
 * The gem is not packaged by Debian (`apt-cache policy ruby-activerecord-session-store`: none), so the
 * Ruby side is rails-fixture-app/bin/ar-sessions: real Active Record, Marshal, JSON and Rack, put
 * together as the gem's code does (lib/rcc/ar_sessions.rb names the gem files it follows).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { marshalDump } from "../src/index.js";
import { ActiveRecordStore } from "../src/stores/activeRecordStore.js";
import { sqlClientFor } from "../src/stores/activeRecord/drivers/index.js";
import type { ActiveRecordSerializer } from "../src/stores/activeRecord/serializers.js";
import { sessionIdFor } from "../src/stores/types.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeWithRails, runOracle, type RailsConfig } from "./helpers/rails.js";
import { describeArLine, loadArLines } from "./helpers/ar-sessions.js";
import { databases, describeWithDatabase, freshTableName, type OpenDatabase } from "./helpers/sql.js";

const lines = loadArLines();
const NOW = new Date("2031-05-06T07:08:09.123Z");
const newId = () => randomBytes(16).toString("hex");
const CONFIGS: { serializer: ActiveRecordSerializer; gemVersion: string }[] = [
  { serializer: "marshal", gemVersion: "2.3.0" },
  { serializer: "json", gemVersion: "2.3.0" },
  { serializer: "json", gemVersion: "2.1.0" },
  { serializer: "hybrid", gemVersion: "2.3.0" },
  { serializer: "null", gemVersion: "2.3.0" },
];

describeWithRails("activerecord-session_store rows shared with Ruby (Active Record 6.1)", () => {
  for (const target of databases) {
    describeWithDatabase(target, "Node writes, Ruby reads; Ruby writes, Node reads", () => {
      let db: OpenDatabase;
      const tables: string[] = [];
      beforeAll(async () => {
        db = await target.open();
      });
      afterAll(async () => {
        const sql = sqlClientFor(db.client);
        for (const t of tables) await sql.execute(`DROP TABLE ${target.dialect === "mysql" ? `\`${t}\`` : `"${t}"`}`, []);
        await db.close();
      });

      for (const { serializer, gemVersion } of CONFIGS) {
        // MariaDB's JSON is LONGTEXT with a CHECK: Active Record sees a text column, so the gem's `null`
        // serializer hands Rails a String there (docs/active-record-store.md). Not a setup Rails supports.
        if (serializer === "null" && target.dialect === "mysql") continue;
        it(`:${serializer}, gem ${gemVersion}`, async () => {
          const tableName = freshTableName();
          tables.push(tableName);
          const store = new ActiveRecordStore({ client: db.client, tableName, serializer, gemVersion });
          const jsonb = serializer === "null" && target.dialect === "postgresql";
          await store.createTable();
          const sources = lines.filter(
            (l) =>
              l.serializer === serializer &&
              ["session_rich", "session_ruby_types", "session_devise_csrf"].includes(l.scenario) &&
              (l.gem_version === gemVersion || serializer === "null") &&
              !l.secure_session_only &&
              l.expire_after === null,
          );
          expect(sources.length).toBeGreaterThanOrEqual(2);

          // 1. Node writes each session Rails stored, as is and with a key added.
          const cases = [];
          for (const line of sources) {
            const data = store.loadData(line.row.data);
            const changed = Object.assign(store.loadData(line.row.data), { node: "was here" });
            const [asIs, withKey, byRuby] = [newId(), newId(), newId()];
            await store.writeSession(sessionIdFor(asIs), data, { now: NOW, expireAfter: null });
            await store.writeSession(sessionIdFor(withKey), changed, { now: NOW, expireAfter: null });
            cases.push({ line, changed, asIs, withKey, byRuby });
          }

          // 2. Ruby reads Node's rows, and writes the objects real Rails read into rows of its own.
          const config = { url: db.url, table: tableName, serializer, gem_version: gemVersion };
          const ops = cases.flatMap((c) => [
            { op: "read", public_id: c.asIs },
            { op: "read", public_id: c.withKey },
            { op: "write", public_id: c.byRuby, data_marshal: c.line.rails_reads_marshal },
          ]);
          const out = await runOracle({} as RailsConfig, ops, { script: "ar-sessions", env: { RCC_AR_CONFIG: JSON.stringify(config) } });

          for (const [i, c] of cases.entries()) {
            const [readAsIs, readWithKey, written] = out.slice(i * 3, i * 3 + 3) as Record<string, unknown>[];
            const name = describeArLine(c.line);
            expect(readAsIs!["found"], name).toBe(true);
            expect(readAsIs!["rails_reads"], name).toEqual(c.line.rails_reads);
            expect(readWithKey!["rails_reads"], name).toEqual({ ...(c.line.rails_reads as object), node: "was here" });
            if (serializer === "marshal") {
              // The very objects real Rails read, and Ruby reading Node's changed bytes without loss.
              expect(readAsIs!["rails_reads_marshal"], name).toBe(c.line.rails_reads_marshal);
              expect(readWithKey!["rails_reads_marshal"], name).toBe(Buffer.from(marshalDump(c.changed)).toString("base64"));
            }

            // 3. Node reads Ruby's row: what Rails read, and the same row Node writes for it.
            const found = await store.findSession(sessionIdFor(c.byRuby));
            expect(found, name).not.toBeNull();
            expect(asRailsReads(found!.data), name).toEqual(c.line.rails_reads);
            if (serializer === "marshal") expect(Buffer.from(marshalDump(found!.data)).toString("base64"), name).toBe(c.line.rails_reads_marshal);
            const rubyText = written!["data"] as string;
            if (jsonb || (serializer === "null" && target.dialect === "mysql")) {
              // The database renders the JSON: Node's row for the same data renders the same.
              const again = newId();
              await store.writeSession(sessionIdFor(again), found!.data, { now: NOW, expireAfter: null });
              const [row] = await sqlClientFor(db.client).query(
                target.dialect === "postgresql"
                  ? `SELECT data::text AS data FROM "${tableName}" WHERE session_id = ?`
                  : `SELECT CAST(data AS CHAR) AS data FROM \`${tableName}\` WHERE session_id = ?`,
                [sessionIdFor(again).privateId],
              );
              expect(row!["data"], name).toBe(rubyText);
            } else {
              expect(store.dumpData(found!.data), name).toBe(rubyText);
            }
          }
        });
      }
    });
  }
});
