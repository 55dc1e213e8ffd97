/**
 * `ActiveRecordStore`: Rails' `config.session_store :active_record_store` (the activerecord-session_store
 * gem, 2.0–2.3) from Node: the same `sessions` table, the same rows, on PostgreSQL (`pg`), MySQL/MariaDB
 * (`mysql2`) or SQLite (`better-sqlite3`, the embedded default: server-side sessions in one file).
 *
 * Gem sources followed: lib/action_dispatch/session/active_record_store.rb (`get_session_with_fallback`,
 * `write_session`, `delete_session`, `private_session_id?`), lib/active_record/session_store/session.rb
 * (`data`, `data=`, `serialize_data!`), lib/active_record/session_store.rb (serializers),
 * lib/tasks/database.rake (`db:sessions:trim`). The row codec is src/stores/activeRecord/ (pure).
 *
 * Differences from the gem, on purpose:
 * - The gem saves an empty row for every new session the moment it is loaded (`get_session_model`), so
 *   its `created_at` is the first request's time; this store inserts a row only when the core writes
 *   one, with `created_at` = `updated_at` = that write's `now`.
 * - A session is compared with what the row holds, not with the loaded objects: a nested value changed
 *   in place is written (gem 2.3.0's `data != self.data` compares objects the change is shared with).
 * - `deleteSession` removes the rows under both ids (the gem removes the first it finds).
 */
import { positiveSeconds } from "./bounded.js";
import { setImmediate as nextTurn } from "node:timers/promises";
import { InvalidOptionError, RailsCookieError, SessionEntryError, SessionStoreUnavailableError } from "../errors.js";
import { sqlClientFor, type ActiveRecordClient } from "./activeRecord/drivers/index.js";
import {
  dataChanged,
  DEFAULT_TRIM_DAYS,
  formatTimestamp,
  lookupIds,
  parseTimestamp,
  trimCutoff,
} from "./activeRecord/row.js";
import { parseGemVersion, type GemVersion } from "./activeRecord/gemVersion.js";
import { ACTIVE_RECORD_SERIALIZERS, dumpSessionData, loadSessionData, type ActiveRecordSerializer } from "./activeRecord/serializers.js";
import { statementsFor, type DataColumnType, type SqlClient, type Statements } from "./activeRecord/sql.js";
import type { FoundSession, ListSessionsOptions, ServerSessionStore, SessionId, StoredSessionInfo, WriteSessionOptions } from "./types.js";

export interface ActiveRecordStoreOptions {
  /** A `pg` Pool or Client, a `mysql2` pool or connection, a `better-sqlite3` Database, or an `SqlClient`. */
  client: ActiveRecordClient;
  /** `ActiveRecord::SessionStore::Session.table_name`; default `"sessions"`. */
  tableName?: string;
  /** Default `"session_id"` (`"sessid"` for the old tables the gem still reads). */
  sessionIdColumn?: string;
  /** `Session.data_column_name`; default `"data"`. */
  dataColumnName?: string;
  /** `Session.serializer`: `"marshal"` (default), `"json"`, `"hybrid"` or `"null"` (json/jsonb column). */
  serializer?: ActiveRecordSerializer;
  /** The store's `secure_session_only:` (gem 2.3.0): never read a row under the public id. */
  secureSessionOnly?: boolean;
  /** The gem version whose write rules to follow; default `"2.3.0"` (writes only a changed session). */
  gemVersion?: string;
  /** Seconds to wait for the database before `SessionStoreUnavailableError`; default 5. */
  timeout?: number;
  /** Start the periodic cleaner at once (see `startCleaner`). */
  cleaner?: CleanerOptions;
}

export interface TrimOptions {
  /** Seconds; rows whose `updated_at` is older are deleted. Default 30 days (`SESSION_DAYS_TRIM_THRESHOLD`). */
  olderThan?: number;
  /** The clock; default the current time. */
  now?: Date;
  /** Rows per DELETE; default 1000. */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface CleanerOptions {
  /** Seconds since the last write after which a session is deleted; default 30 days. */
  maxAge?: number;
  /** Seconds between runs; default 3600. */
  interval?: number;
  batchSize?: number;
  /** Where a failed run's error goes (the timer keeps running); default: dropped. */
  onError?: (error: Error) => void;
  /** The clock; default the current time. */
  now?: () => Date;
}

const DEFAULT_TIMEOUT = 5;

function columnText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8");
  return String(value);
}

interface StoredRow {
  sessionId: string;
  text: string | null;
}

export class ActiveRecordStore implements ServerSessionStore {
  readonly name = "ActiveRecordStore";
  readonly serializer: ActiveRecordSerializer;
  readonly secureSessionOnly: boolean;
  readonly gemVersion: GemVersion;
  readonly tableName: string;
  /** The query interface the store talks to (the adapter of `client`). */
  readonly sql: SqlClient;
  readonly #statements: Statements;
  readonly #timeoutMs: number;
  #cleaner: NodeJS.Timeout | null = null;

  constructor(options: ActiveRecordStoreOptions) {
    if (options === null || typeof options !== "object") throw new InvalidOptionError("ActiveRecordStore needs options with a client");
    this.sql = sqlClientFor(options.client);
    this.serializer = options.serializer ?? "marshal";
    if (!ACTIVE_RECORD_SERIALIZERS.includes(this.serializer)) {
      throw new InvalidOptionError(`serializer must be one of ${ACTIVE_RECORD_SERIALIZERS.join(", ")}`);
    }
    this.secureSessionOnly = options.secureSessionOnly ?? false;
    this.gemVersion = parseGemVersion(options.gemVersion ?? "2.3.0");
    if (this.secureSessionOnly && this.gemVersion !== "2.3.0") throw new InvalidOptionError("secureSessionOnly needs gemVersion 2.3.0");
    this.tableName = options.tableName ?? "sessions";
    this.#statements = statementsFor(this.sql.dialect, {
      tableName: this.tableName,
      sessionIdColumn: options.sessionIdColumn ?? "session_id",
      dataColumnName: options.dataColumnName ?? "data",
    });
    this.#timeoutMs = positiveSeconds(options.timeout ?? DEFAULT_TIMEOUT, "timeout") * 1000;
    if (options.cleaner) this.startCleaner(options.cleaner);
  }

  /** One database call, bounded in time; driver failures become `SessionStoreUnavailableError`. */
  async #run<T>(what: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SessionStoreUnavailableError(`${this.name}: ${what} got no answer from the database within ${this.#timeoutMs / 1000} s`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      if (error instanceof RailsCookieError) throw error;
      const why = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
      throw new SessionStoreUnavailableError(`${this.name}: ${what} failed: ${why}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The row `get_session_with_fallback` finds: under the private id, else under the public id. */
  async #find(sid: SessionId): Promise<{ row: StoredRow; legacy: boolean } | null> {
    const ids = lookupIds(sid, this.secureSessionOnly);
    if (ids.length === 0) return null;
    const s = this.#statements;
    const rows = await this.#run("find_session", () =>
      ids.length === 2 ? this.sql.query(s.findTwo, ids) : this.sql.query(s.findOne, ids),
    );
    const stored = rows.map((r) => ({ sessionId: String(r["session_id"]), text: columnText(r["data"]) }));
    const secure = stored.find((r) => r.sessionId === sid.privateId);
    if (secure) return { row: secure, legacy: false };
    const insecure = stored.find((r) => r.sessionId === sid.publicId);
    return insecure ? { row: insecure, legacy: true } : null;
  }

  /** `Session#data` of a column text, in this store's serializer. Throws `SessionEntryError`. */
  loadData(text: string | null): Record<string, unknown> {
    return loadSessionData(text, this.serializer);
  }

  /** The `data` column text this store writes for `data` (`serialize_data!`). */
  dumpData(data: Record<string, unknown>): string {
    return dumpSessionData(data, this.serializer, this.gemVersion);
  }

  async findSession(sid: SessionId): Promise<FoundSession | null> {
    const found = await this.#find(sid);
    if (!found) return null;
    const data = this.loadData(found.row.text);
    const payload = found.row.text === null ? null : new Uint8Array(Buffer.from(found.row.text, "utf8"));
    return { data, payload, legacy: found.legacy };
  }

  /**
   * `write_session`: UPDATE the row when the gem would save it (`dataChanged`), move a legacy row to
   * the private id (keeping `created_at`), or INSERT a new one. `updated_at` is `options.now`.
   */
  async writeSession(sid: SessionId, data: Record<string, unknown>, options: WriteSessionOptions): Promise<void> {
    // Gem 2.3.0 (and the null serializer) judge a change on the loaded data, which an untouched
    // session is: no write, nothing to dump. Older gems compare the dumped text with the stored
    // one (a hybrid store turns a Marshal row into JSON on a read-only request), so they dump.
    if (options.unchangedPayload && options.untouched && (this.gemVersion === "2.3.0" || this.serializer === "null")) return;
    const text = this.dumpData(data);
    const s = this.#statements;
    if (options.unchangedPayload) {
      // The core loaded this row under the private id and nothing but its data can require a write:
      // judge the change against the text it was loaded with, as the gem judges it against the
      // loaded record, without asking the database again. Unchanged: no query at all.
      const loaded = Buffer.from(options.unchangedPayload.buffer, options.unchangedPayload.byteOffset, options.unchangedPayload.byteLength).toString("utf8");
      if (!dataChanged(loaded, text, this.serializer, this.gemVersion)) return;
      const now = formatTimestamp(options.now);
      const updated = await this.#run("write_session", () => this.sql.execute(s.update, [text, now, sid.privateId]));
      if (updated > 0) return;
      // The row went away meanwhile (trimmed, revoked): write it as a new one below.
    }
    const now = formatTimestamp(options.now);
    const found = await this.#find(sid);
    if (found && !found.legacy) {
      if (!dataChanged(found.row.text, text, this.serializer, this.gemVersion)) return;
      await this.#run("write_session", () => this.sql.execute(s.update, [text, now, sid.privateId]));
      return;
    }
    if (found) {
      // `insecure_session.session_id = sid.private_id`: the id always changes, the data only by the rule.
      const newText = dataChanged(found.row.text, text, this.serializer, this.gemVersion) ? text : found.row.text;
      await this.#run("write_session", () => this.sql.execute(s.upgrade, [sid.privateId, newText, now, sid.publicId]));
      return;
    }
    try {
      await this.#run("write_session", () => this.sql.execute(s.insert, [sid.privateId, text, now, now]));
    } catch (error) {
      // A concurrent request inserted the same new session first: last write wins, as in Rails.
      if (!(error instanceof SessionStoreUnavailableError && this.sql.isUniqueViolation(error.cause))) throw error;
      await this.#run("write_session", () => this.sql.execute(s.update, [text, now, sid.privateId]));
    }
  }

  async deleteSession(sid: SessionId): Promise<void> {
    const s = this.#statements;
    if (this.secureSessionOnly || lookupIds(sid, false).length === 0) {
      await this.#run("delete_session", () => this.sql.execute(s.deleteOne, [sid.privateId]));
    } else {
      await this.#run("delete_session", () => this.sql.execute(s.deleteTwo, [sid.privateId, sid.publicId]));
    }
  }

  /** Every row, in `session_id` order, `batchSize` (default 500) per SELECT. */
  async *listSessions(options: ListSessionsOptions = {}): AsyncIterable<StoredSessionInfo> {
    const batchSize = options.batchSize ?? 500;
    const sql = this.#statements.page(batchSize);
    let after = "";
    for (;;) {
      options.signal?.throwIfAborted();
      const rows = await this.#run("list", () => this.sql.query(sql, [after]));
      for (const r of rows) {
        const storeKey = String(r["session_id"]);
        const updatedAt = parseTimestamp(String(r["updated_at"] ?? ""));
        try {
          yield { storeKey, data: this.loadData(columnText(r["data"])), expiresAt: null, updatedAt };
        } catch (error) {
          if (!(error instanceof SessionEntryError)) throw error;
          yield { storeKey, data: null, error, expiresAt: null, updatedAt };
        }
        after = storeKey;
      }
      if (rows.length < batchSize) return;
    }
  }

  async deleteStoredSession(storeKey: string): Promise<boolean> {
    return (await this.#run("delete", () => this.sql.execute(this.#statements.deleteOne, [storeKey]))) > 0;
  }

  /**
   * `rails db:sessions:trim`: delete the rows whose `updated_at` is older than `olderThan` seconds
   * (default 30 days), `batchSize` rows per DELETE so no statement locks the table for long and no
   * row is held in memory. Resolves to the number of rows deleted.
   */
  async trim(options: TrimOptions = {}): Promise<number> {
    const cutoff = formatTimestamp(trimCutoff(options.now ?? new Date(), options.olderThan ?? DEFAULT_TRIM_DAYS * 86_400));
    const batchSize = options.batchSize ?? 1000;
    const sql = this.#statements.trimBatch(batchSize);
    let total = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const deleted = await this.#run("trim", () => this.sql.execute(sql, [cutoff]));
      total += deleted;
      if (deleted < batchSize) return total;
      await nextTurn(); // let requests run between batches
    }
  }

  /**
   * A periodic `trim` (like plug_session_mnesia's cleaner): every `interval` seconds, delete sessions
   * not written for `maxAge` seconds. The timer is unref'd (it never keeps the process alive), a run
   * never overlaps the previous one, and `close()` stops it.
   */
  startCleaner(options: CleanerOptions = {}): void {
    const maxAge = positiveSeconds(options.maxAge ?? DEFAULT_TRIM_DAYS * 86_400, "cleaner maxAge");
    const interval = positiveSeconds(options.interval ?? 3600, "cleaner interval");
    this.stopCleaner();
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      const now = options.now?.() ?? new Date();
      this.trim({ olderThan: maxAge, now, ...(options.batchSize ? { batchSize: options.batchSize } : {}) })
        .catch((error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          running = false;
        });
    }, interval * 1000);
    timer.unref();
    this.#cleaner = timer;
  }

  stopCleaner(): void {
    if (this.#cleaner) clearInterval(this.#cleaner);
    this.#cleaner = null;
  }

  /** The cleaner is running. */
  get cleaning(): boolean {
    return this.#cleaner !== null;
  }

  /**
   * Creates the table as the gem's migration does (`rails generate active_record:session_migration`),
   * if it does not exist: `session_id` unique, `updated_at` indexed. `dataType` defaults to `jsonb`
   * (PostgreSQL) / `json` for the `null` serializer, else `text`.
   */
  async createTable(options: { dataType?: DataColumnType } = {}): Promise<void> {
    const dataType = options.dataType ?? (this.serializer === "null" ? (this.sql.dialect === "postgresql" ? "jsonb" : "json") : "text");
    for (const statement of this.#statements.createTable(dataType)) {
      await this.#run("create table", () => this.sql.execute(statement, []));
    }
  }

  /** Stops the cleaner. The client stays open: it is the caller's (end the pool or close the database yourself). */
  async close(): Promise<void> {
    this.stopCleaner();
  }
}
