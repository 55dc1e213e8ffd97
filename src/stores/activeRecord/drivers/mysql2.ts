/**
 * `mysql2`: a pool or connection from `mysql2/promise`, or from `mysql2` (its `.promise()` wrapper is
 * used). Statements go through `execute` (server-side prepared, cached per connection by mysql2).
 */
import type { SqlClient, SqlRow, SqlValue } from "../sql.js";

/** What the store uses of a `mysql2/promise` Pool, PoolConnection or Connection. */
export interface Mysql2PromiseQueryable {
  // `any`: mysql2 declares execute as generic overloads that no narrower structural type matches.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  execute(sql: string, values: any): Promise<any>;
}
/** A callback-style `mysql2` pool or connection. */
export interface Mysql2CallbackQueryable {
  promise(): Mysql2PromiseQueryable;
  execute(...args: unknown[]): unknown;
}

export function isMysql2Client(client: unknown): client is Mysql2PromiseQueryable | Mysql2CallbackQueryable {
  const c = client as Record<string, unknown>;
  if (typeof c?.["execute"] !== "function" || typeof c["query"] !== "function") return false;
  // Callback objects have .promise(); promise wrappers hold the callback object as .pool / .connection.
  return typeof c["promise"] === "function" || "pool" in c || "connection" in c;
}

export function mysql2SqlClient(client: Mysql2PromiseQueryable | Mysql2CallbackQueryable): SqlClient {
  const db: Mysql2PromiseQueryable =
    typeof (client as Mysql2CallbackQueryable).promise === "function" ? (client as Mysql2CallbackQueryable).promise() : (client as Mysql2PromiseQueryable);
  return {
    dialect: "mysql",
    async query(sql: string, params: readonly SqlValue[]) {
      const [rows] = (await db.execute(sql, [...params])) as [SqlRow[], unknown];
      return rows;
    },
    async execute(sql: string, params: readonly SqlValue[]) {
      const [result] = (await db.execute(sql, [...params])) as [{ affectedRows?: number }, unknown];
      return result.affectedRows ?? 0;
    },
    // ER_DUP_ENTRY, errno 1062
    isUniqueViolation: (error) => {
      const e = error as { code?: unknown; errno?: unknown };
      return e?.code === "ER_DUP_ENTRY" || e?.errno === 1062;
    },
  };
}
