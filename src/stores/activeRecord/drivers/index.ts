/** `client` → `SqlClient`: whichever of the three drivers it is, or an `SqlClient` already. */
import { InvalidOptionError } from "../../../errors.js";
import type { SqlClient } from "../sql.js";
import { betterSqlite3SqlClient, isBetterSqlite3Database, type BetterSqlite3Database } from "./betterSqlite3.js";
import { isMysql2Client, mysql2SqlClient, type Mysql2CallbackQueryable, type Mysql2PromiseQueryable } from "./mysql2.js";
import { isPgClient, pgSqlClient, type PgQueryable } from "./pg.js";

export type { BetterSqlite3Database } from "./betterSqlite3.js";
export type { Mysql2CallbackQueryable, Mysql2PromiseQueryable } from "./mysql2.js";
export type { PgQueryable } from "./pg.js";
export { betterSqlite3SqlClient, mysql2SqlClient, pgSqlClient };

export type ActiveRecordClient = PgQueryable | Mysql2PromiseQueryable | Mysql2CallbackQueryable | BetterSqlite3Database | SqlClient;

function isSqlClient(client: unknown): client is SqlClient {
  const c = client as Record<string, unknown>;
  return (
    (c?.["dialect"] === "postgresql" || c?.["dialect"] === "mysql" || c?.["dialect"] === "sqlite") &&
    typeof c["query"] === "function" &&
    typeof c["execute"] === "function"
  );
}

export function sqlClientFor(client: unknown): SqlClient {
  if (isSqlClient(client)) return client;
  if (isBetterSqlite3Database(client)) return betterSqlite3SqlClient(client);
  if (isMysql2Client(client)) return mysql2SqlClient(client);
  if (isPgClient(client)) return pgSqlClient(client);
  throw new InvalidOptionError(
    "client must be a pg Pool or Client, a mysql2 pool or connection, a better-sqlite3 Database, or an SqlClient",
  );
}
