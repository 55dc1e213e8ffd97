/**
 * The small query interface ActiveRecordStore talks to, and the SQL it sends in each dialect.
 * One adapter per driver (drivers/) turns a `pg` Pool, a `mysql2` pool or connection, or a
 * `better-sqlite3` Database into an `SqlClient`; anything else implementing `SqlClient` works too.
 *
 * Every value goes in as a bound parameter; identifiers (table and column names, from options, never
 * from requests) are checked and quoted. Timestamps travel as UTC text (`formatTimestamp`) both ways,
 * so no driver's local-time conversion of `timestamp without time zone` / `datetime` is involved.
 */
import { InvalidOptionError } from "../../errors.js";

export type SqlDialect = "postgresql" | "mysql" | "sqlite";
export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlClient {
  readonly dialect: SqlDialect;
  /** A statement that returns rows. `sql` uses `?` placeholders (the PostgreSQL adapter numbers them). */
  query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  /** A statement that changes rows; resolves to the number of rows it changed. */
  execute(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** The error a driver gives for a duplicate key in a unique index (a concurrent first write). */
  isUniqueViolation(error: unknown): boolean;
}

export interface TableNames {
  /** `ActiveRecord::SessionStore::Session.table_name`, default `sessions` (may be `schema.table`). */
  tableName: string;
  /** `session_id` (or the old `sessid` the gem still reads). */
  sessionIdColumn: string;
  /** `Session.data_column_name`, default `data`. */
  dataColumnName: string;
}

/** The `data` column's type: `text` (marshal/json/hybrid) or `json`/`jsonb` (serializer `null`). */
export type DataColumnType = "text" | "json" | "jsonb";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function quoteIdentifier(dialect: SqlDialect, name: string): string {
  const parts = name.split(".");
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new InvalidOptionError(`${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, _; optionally schema.name)`);
  }
  return parts.map((p) => (dialect === "mysql" ? `\`${p}\`` : `"${p}"`)).join(".");
}

/** The statements of one store, built once. Each is `?`-placeholdered. */
export interface Statements {
  /** session_id, data of the rows under either of two ids. */
  findTwo: string;
  /** session_id, data of the row under one id. */
  findOne: string;
  /** data, updated_at ← where session_id = ?. */
  update: string;
  /** session_id, data, updated_at ← where session_id = ? (the legacy upgrade). */
  upgrade: string;
  /** session_id, data, created_at, updated_at. */
  insert: string;
  deleteTwo: string;
  deleteOne: string;
  /** session_id, data, updated_at (as text) of the next `limit` rows after a session_id, in order. */
  page(limit: number): string;
  /** Deletes at most `limit` rows whose updated_at < ?. */
  trimBatch(limit: number): string;
  /** The gem's migration template, idempotent (IF NOT EXISTS). */
  createTable(dataType: DataColumnType): string[];
}

function positiveInteger(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidOptionError(`${what} must be a positive integer`);
  return n;
}

export function statementsFor(dialect: SqlDialect, names: TableNames): Statements {
  const t = quoteIdentifier(dialect, names.tableName);
  const sid = quoteIdentifier(dialect, names.sessionIdColumn);
  const data = quoteIdentifier(dialect, names.dataColumnName);
  const unqualified = names.tableName.split(".").pop()!;
  // Read the data column and updated_at as text: a json/jsonb column would otherwise come back
  // parsed by the driver (integers beyond 2**53 rounded), a timestamp as a local-time Date.
  const dataText = dialect === "postgresql" ? `${data}::text` : dialect === "mysql" ? `CAST(${data} AS CHAR)` : data;
  const updatedText =
    dialect === "postgresql" ? `"updated_at"::text` : dialect === "mysql" ? "CAST(`updated_at` AS CHAR)" : `"updated_at"`;
  const q = (name: string) => quoteIdentifier(dialect, name);

  return {
    findTwo: `SELECT ${sid} AS session_id, ${dataText} AS data FROM ${t} WHERE ${sid} IN (?, ?)`,
    findOne: `SELECT ${sid} AS session_id, ${dataText} AS data FROM ${t} WHERE ${sid} = ?`,
    update: `UPDATE ${t} SET ${data} = ?, ${q("updated_at")} = ? WHERE ${sid} = ?`,
    upgrade: `UPDATE ${t} SET ${sid} = ?, ${data} = ?, ${q("updated_at")} = ? WHERE ${sid} = ?`,
    insert: `INSERT INTO ${t} (${sid}, ${data}, ${q("created_at")}, ${q("updated_at")}) VALUES (?, ?, ?, ?)`,
    deleteTwo: `DELETE FROM ${t} WHERE ${sid} IN (?, ?)`,
    deleteOne: `DELETE FROM ${t} WHERE ${sid} = ?`,
    page: (limit) =>
      `SELECT ${sid} AS session_id, ${dataText} AS data, ${updatedText} AS updated_at FROM ${t} ` +
      `WHERE ${sid} > ? ORDER BY ${sid} LIMIT ${positiveInteger(limit, "batchSize")}`,
    // One short statement per batch (its own transaction): no long lock, nothing held in memory.
    // MySQL has DELETE … LIMIT (and refuses LIMIT in an IN subquery); the others delete by the unique
    // session_id of a limited subquery, which the gem's unique index serves.
    trimBatch: (limit) =>
      dialect === "mysql"
        ? `DELETE FROM ${t} WHERE ${q("updated_at")} < ? LIMIT ${positiveInteger(limit, "batchSize")}`
        : `DELETE FROM ${t} WHERE ${sid} IN (SELECT ${sid} FROM ${t} WHERE ${q("updated_at")} < ? LIMIT ${positiveInteger(limit, "batchSize")})`,
    createTable(dataType) {
      // lib/generators/active_record/templates/migration.rb, as Active Record 6.1+ renders it.
      const idx = (column: string) => q(`index_${unqualified}_on_${column}`);
      if (dialect === "postgresql") {
        return [
          `CREATE TABLE IF NOT EXISTS ${t} ("id" bigserial PRIMARY KEY, ${sid} character varying NOT NULL, ${data} ${dataType}, ` +
            `"created_at" timestamp(6) without time zone NOT NULL, "updated_at" timestamp(6) without time zone NOT NULL)`,
          `CREATE UNIQUE INDEX IF NOT EXISTS ${idx(names.sessionIdColumn)} ON ${t} (${sid})`,
          `CREATE INDEX IF NOT EXISTS ${idx("updated_at")} ON ${t} ("updated_at")`,
        ];
      }
      if (dialect === "mysql") {
        return [
          `CREATE TABLE IF NOT EXISTS ${t} (\`id\` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, ${sid} varchar(255) NOT NULL, ` +
            `${data} ${dataType === "text" ? "text" : "json"}, \`created_at\` datetime(6) NOT NULL, \`updated_at\` datetime(6) NOT NULL, ` +
            `UNIQUE KEY ${idx(names.sessionIdColumn)} (${sid}), KEY ${idx("updated_at")} (\`updated_at\`)) DEFAULT CHARSET=utf8mb4`,
        ];
      }
      return [
        `CREATE TABLE IF NOT EXISTS ${t} ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, ${sid} varchar NOT NULL, ` +
          `${data} ${dataType === "text" ? "text" : "json"}, "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL)`,
        `CREATE UNIQUE INDEX IF NOT EXISTS ${idx(names.sessionIdColumn)} ON ${t} (${sid})`,
        `CREATE INDEX IF NOT EXISTS ${idx("updated_at")} ON ${t} ("updated_at")`,
      ];
    },
  };
}
