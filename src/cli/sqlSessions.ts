/**
 * The SQL side of `rails-cookie sessions`: `--database-url` opens an ActiveRecordStore (the
 * activerecord-session_store gem's table) on PostgreSQL (`pg`), MySQL/MariaDB (`mysql2`) or SQLite
 * (`better-sqlite3`), each an optional peer dependency loaded only when asked for; and
 * `sessions trim`, which does what `rails db:sessions:trim` does.
 */
import { InvalidOptionError, SessionStoreUnavailableError } from "../errors.js";
import { ActiveRecordStore } from "../stores/activeRecordStore.js";
import { ACTIVE_RECORD_SERIALIZERS, type ActiveRecordSerializer } from "../stores/activeRecord/serializers.js";
import { trimCutoff, trimThresholdFromEnv } from "../stores/activeRecord/row.js";
import type { ActiveRecordClient } from "../stores/activeRecord/drivers/index.js";
import { EXIT_OK, type Io } from "./io.js";
import { parseDate, UsageError } from "./options.js";
import { toJson } from "./output.js";

export const SQL_FLAGS = {
  "database-url": { type: "string" },
  table: { type: "string" },
  "data-column": { type: "string" },
  "gem-version": { type: "string" },
  "secure-session-only": { type: "boolean" },
  days: { type: "string" },
} as const;

export const SQL_HELP = `SQL (config.session_store :active_record_store, the activerecord-session_store gem):
  trim                     delete sessions not updated for --days (default SESSION_DAYS_TRIM_THRESHOLD
                           or 30), in batches, like rails db:sessions:trim
  --database-url URL       postgres://user@host:port/db (pg) | mysql://user:pass@host:port/db (mysql2)
                           | sqlite:path/to/db.sqlite3 (better-sqlite3)
  --table NAME             the sessions table (default sessions);  --data-column NAME (default data)
  --serializer S           marshal (default) | json | hybrid | null (a json/jsonb column)
  --gem-version V          2.0.0 … 2.3.0 (default 2.3.0);  --secure-session-only
  --days N                 trim: rows whose updated_at is more than N days old
  --now ISO                trim: the clock (default now)`;

type Values = Record<string, string | boolean | undefined>;
const str = (v: Values, name: string) => (typeof v[name] === "string" ? (v[name] as string) : undefined);

async function importDriver(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new UsageError(`this needs the ${name} package (npm install ${name})`);
    throw error;
  }
}

/** A client for the URL, and how to close it. */
async function connect(url: string): Promise<{ client: ActiveRecordClient; close: () => Promise<void> }> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pg = (await importDriver("pg")) as { default?: { Pool: new (o: object) => unknown }; Pool?: new (o: object) => unknown };
    const Pool = (pg.default ?? pg).Pool!;
    const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 }) as ActiveRecordClient & { end(): Promise<void> };
    return { client: pool, close: () => pool.end() };
  }
  if (/^mysql2?:\/\//.test(url)) {
    const mysql = (await importDriver("mysql2/promise")) as { createPool(o: object): ActiveRecordClient & { end(): Promise<void> } };
    const pool = mysql.createPool({ uri: url.replace(/^mysql2:/, "mysql:"), connectionLimit: 1, connectTimeout: 5000, charset: "utf8mb4" });
    return { client: pool, close: () => pool.end() };
  }
  const sqlite = /^sqlite3?:(?:\/\/)?(.+)$/.exec(url);
  if (sqlite) {
    const mod = (await importDriver("better-sqlite3")) as { default: new (path: string, o: object) => ActiveRecordClient & { close(): void } };
    let db: ActiveRecordClient & { close(): void };
    try {
      // fileMustExist: a mistyped path must not silently create an empty database.
      db = new mod.default(sqlite[1]!, { fileMustExist: true, timeout: 5000 });
    } catch (error) {
      throw new SessionStoreUnavailableError(`cannot open ${sqlite[1]}: ${(error as Error).message}`, { cause: error });
    }
    return { client: db, close: async () => db.close() };
  }
  throw new UsageError("--database-url must start with postgres://, mysql:// or sqlite:");
}

/** The ActiveRecordStore the flags describe. */
export async function openSqlStore(v: Values): Promise<{ store: ActiveRecordStore; close: () => Promise<void> }> {
  const serializer = str(v, "serializer") ?? "marshal";
  if (!ACTIVE_RECORD_SERIALIZERS.includes(serializer as ActiveRecordSerializer)) {
    throw new UsageError(`--serializer must be one of ${ACTIVE_RECORD_SERIALIZERS.join(", ")} with --database-url`);
  }
  const { client, close } = await connect(str(v, "database-url")!);
  try {
    const store = new ActiveRecordStore({
      client,
      serializer: serializer as ActiveRecordSerializer,
      ...(str(v, "table") ? { tableName: str(v, "table")! } : {}),
      ...(str(v, "data-column") ? { dataColumnName: str(v, "data-column")! } : {}),
      ...(str(v, "gem-version") ? { gemVersion: str(v, "gem-version")! } : {}),
      secureSessionOnly: v["secure-session-only"] === true,
    });
    return { store, close };
  } catch (error) {
    await close();
    if (error instanceof InvalidOptionError) throw new UsageError(error.message);
    throw error;
  }
}

/** `rails-cookie sessions trim`. */
export async function trimSessions(v: Values, io: Io, store: ActiveRecordStore): Promise<number> {
  const days = str(v, "days");
  let olderThan: number;
  try {
    olderThan = trimThresholdFromEnv(days ?? io.env["SESSION_DAYS_TRIM_THRESHOLD"]);
  } catch (error) {
    throw new UsageError(days !== undefined ? "--days must be a whole number of days" : (error as Error).message);
  }
  const now = str(v, "now") === undefined ? new Date() : parseDate("now", str(v, "now")!);
  const batch = str(v, "batch");
  const batchSize = batch === undefined ? undefined : Number(batch);
  const cutoff = trimCutoff(now, olderThan);
  const trimmed = await store.trim({ now, olderThan, ...(batchSize ? { batchSize } : {}) });
  io.out(
    v["json"]
      ? `${toJson({ trimmed, cutoff })}\n`
      : `trimmed ${trimmed} session${trimmed === 1 ? "" : "s"} not updated since ${cutoff.toISOString()}\n`,
  );
  return EXIT_OK;
}
