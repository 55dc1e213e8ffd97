/**
 * `better-sqlite3` 12 (synchronous; works on Node 20): a `Database`. Prepared statements are kept per
 * SQL text. Calls run synchronously on the event loop, each one short (one row, or one batch).
 */
import type { SqlClient, SqlRow, SqlValue } from "../sql.js";

interface Statement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
/** What the store uses of a `better-sqlite3` Database. */
export interface BetterSqlite3Database {
  prepare(sql: string): Statement;
  pragma(source: string, options?: unknown): unknown;
  exec(sql: string): unknown;
}

export function isBetterSqlite3Database(client: unknown): client is BetterSqlite3Database {
  const c = client as Record<string, unknown>;
  return typeof c?.["prepare"] === "function" && typeof c["pragma"] === "function" && typeof c["exec"] === "function";
}

export function betterSqlite3SqlClient(db: BetterSqlite3Database): SqlClient {
  const statements = new Map<string, Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (s === undefined) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    dialect: "sqlite",
    query(sql: string, params: readonly SqlValue[]) {
      try {
        return Promise.resolve(prepared(sql).all(...params) as SqlRow[]);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    execute(sql: string, params: readonly SqlValue[]) {
      try {
        return Promise.resolve(prepared(sql).run(...params).changes);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    isUniqueViolation: (error) => {
      const code = (error as { code?: unknown })?.code;
      return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
    },
  };
}
