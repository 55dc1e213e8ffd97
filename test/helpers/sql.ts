/**
 * The SQL databases the ActiveRecordStore tests run against: SQLite (better-sqlite3, a file under
 * the OS temp dir; always), PostgreSQL at RCC_PG_URL and MariaDB/MySQL at RCC_MYSQL_URL (.ci/run
 * starts both through .ci/services/ and exports the URLs). Without a URL the tests of that database
 * skip loudly, and fail under CI=true, like describeWithRails.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import type { ActiveRecordClient } from "../../src/stores/activeRecord/drivers/index.js";

export type Dialect = "sqlite" | "postgresql" | "mysql";

export interface OpenDatabase {
  dialect: Dialect;
  client: ActiveRecordClient;
  /** A URL the CLI and Ruby take for the same database (`sqlite:path`, `postgres://…`, `mysql://…`). */
  url: string;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  dialect: Dialect;
  /** Where it is, or null when no server was given. */
  url: string | null;
  envVar: string | null;
  open(): Promise<OpenDatabase>;
}

export const databases: DatabaseTarget[] = [
  {
    dialect: "sqlite",
    url: "sqlite",
    envVar: null,
    async open() {
      const { default: Database } = await import("better-sqlite3");
      const dir = mkdtempSync(join(tmpdir(), "rcc-ar-"));
      const path = join(dir, "sessions.sqlite3");
      const db = new Database(path);
      db.pragma("journal_mode = WAL");
      return {
        dialect: "sqlite",
        client: db,
        url: `sqlite:${path}`,
        async close() {
          db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    dialect: "postgresql",
    url: process.env.RCC_PG_URL ?? null,
    envVar: "RCC_PG_URL",
    async open() {
      const { default: pg } = await import("pg");
      const pool = new pg.Pool({ connectionString: process.env.RCC_PG_URL, max: 4 });
      return { dialect: "postgresql", client: pool, url: process.env.RCC_PG_URL!, close: () => pool.end() };
    },
  },
  {
    dialect: "mysql",
    url: process.env.RCC_MYSQL_URL ?? null,
    envVar: "RCC_MYSQL_URL",
    async open() {
      const mysql = await import("mysql2/promise");
      const pool = mysql.createPool({ uri: process.env.RCC_MYSQL_URL!, connectionLimit: 4 });
      return { dialect: "mysql", client: pool, url: process.env.RCC_MYSQL_URL!, close: () => pool.end() };
    },
  },
];

/** `describe` for one database; skips loudly without its server, fails instead under CI=true. */
export function describeWithDatabase(target: DatabaseTarget, name: string, fn: () => void): void {
  const title = `${name} [${target.dialect}]`;
  if (target.url !== null) {
    describe(title, fn);
    return;
  }
  const missing = `${target.envVar} is not set: no ${target.dialect} server to test against (.ci/run starts one, see .ci/services/)`;
  if (process.env.CI === "true") {
    describe(title, () => {
      it(`needs ${target.dialect}`, () => {
        throw new Error(missing);
      });
    });
  } else {
    console.warn(`\n⚠️  SKIPPED "${title}": ${missing}\n`);
    describe.skip(title, fn);
  }
}

let tables = 0;
/** A table name no other test (or earlier run) uses. */
export function freshTableName(prefix = "rcc_sessions"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${tables++}`;
}
