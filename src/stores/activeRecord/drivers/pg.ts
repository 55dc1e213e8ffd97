/**
 * `pg` (node-postgres): a `Pool` or a connected `Client`. `?` placeholders become `$1…`; the
 * statements ActiveRecordStore sends hold no `?` inside literals.
 */
import type { SqlClient, SqlRow, SqlValue } from "../sql.js";

/** What the store uses of a `pg.Pool` / `pg.Client`. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: SqlRow[]; rowCount: number | null }>;
}

export function isPgClient(client: unknown): client is PgQueryable {
  const c = client as Record<string, unknown>;
  // Pool has totalCount/idleCount, Client has connectionParameters.
  return typeof c?.["query"] === "function" && ("totalCount" in c || "connectionParameters" in c);
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function pgSqlClient(client: PgQueryable): SqlClient {
  const cache = new Map<string, string>();
  const text = (sql: string) => {
    let t = cache.get(sql);
    if (t === undefined) cache.set(sql, (t = numbered(sql)));
    return t;
  };
  return {
    dialect: "postgresql",
    async query(sql: string, params: readonly SqlValue[]) {
      return (await client.query(text(sql), [...params])).rows;
    },
    async execute(sql: string, params: readonly SqlValue[]) {
      return (await client.query(text(sql), [...params])).rowCount ?? 0;
    },
    // unique_violation (https://www.postgresql.org/docs/current/errcodes-appendix.html)
    isUniqueViolation: (error) => (error as { code?: unknown })?.code === "23505",
  };
}
