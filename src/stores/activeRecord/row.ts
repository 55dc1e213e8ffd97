/**
 * The rules by which activerecord-session_store finds, writes and trims rows, as pure functions
 * (lib/action_dispatch/session/active_record_store.rb, lib/active_record/session_store/session.rb,
 * lib/tasks/database.rake; gem versions 2.0.0–2.3.0).
 */
import { InvalidOptionError } from "../../errors.js";
import type { GemVersion } from "./gemVersion.js";
import type { SessionId } from "../types.js";
import { dumpSessionData, loadSessionData, type ActiveRecordSerializer } from "./serializers.js";

/**
 * `ActiveRecordStore.private_session_id?`: a cookie value shaped like a private id (`/\A\d+::/`) is
 * never looked up, so a client cannot name a row by its stored key. 2.3.0 also refuses an id that
 * is not valid UTF-8 (`valid_encoding?`); a JavaScript string with a lone surrogate is the same case.
 */
export function isLookupAllowed(publicId: string): boolean {
  return !/^\d+::/.test(publicId) && !LONE_SURROGATE.test(publicId);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * `get_session_with_fallback`: the `session_id` values to look for, in order: the private id, then
 * (unless `secure_session_only`, gem 2.3.0) the public id a gem before 2.0 stored. Empty: no lookup.
 */
export function lookupIds(sid: SessionId, secureSessionOnly: boolean): string[] {
  if (!isLookupAllowed(sid.publicId)) return [];
  return secureSessionOnly ? [sid.privateId] : [sid.privateId, sid.publicId];
}

/**
 * Would the gem save the row for this `data`? (`write_session` → `record.save`; Active Record
 * issues an UPDATE only for changed attributes, and then sets `updated_at`.)
 *
 * - Before 2.3.0, `data=` is a plain writer and `serialize_data!` writes `serialize(data)` into the
 *   column before every save: the row changes when that text differs from the column's text. So a
 *   `:hybrid` store rewrites a Marshal row as JSON on the first request that loads it.
 * - 2.3.0 marks the column changed only when `data != self.data` (Ruby Hash equality with what was
 *   loaded) and skips the save otherwise: a Marshal row under `:hybrid` stays Marshal. Equality is
 *   judged here by serializing both sides the same way.
 * - `:null` columns (`json`/`jsonb`) are compared by value in every version: Active Record's JSON type
 *   compares the decoded values (`changed_in_place?`), and `jsonb` text is PostgreSQL's own rendering.
 *
 * A row that does not load counts as changed. `text` is `dumpSessionData(data, serializer, gemVersion)`.
 */
export function dataChanged(
  stored: string | null,
  text: string,
  serializer: ActiveRecordSerializer,
  gemVersion: GemVersion,
): boolean {
  if (stored === text) return false;
  if (gemVersion !== "2.3.0" && serializer !== "null") return true;
  if (stored === null) return true;
  try {
    return dumpSessionData(loadSessionData(stored, serializer), serializer, gemVersion) !== text;
  } catch {
    return true;
  }
}

/**
 * A timestamp as Active Record writes `created_at`/`updated_at` (default_timezone :utc, precision 6):
 * `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, which PostgreSQL `timestamp(6)`, MySQL `datetime(6)` and SQLite
 * (where it is the stored text) all take. A JavaScript Date has milliseconds: the last three digits are 0.
 */
export function formatTimestamp(date: Date): string {
  if (!Number.isFinite(date.getTime())) throw new InvalidOptionError("now is not a valid Date");
  return `${date.toISOString().replace("T", " ").slice(0, 23)}000`;
}

/** A timestamp as the database renders it as text (PostgreSQL drops trailing zeros of the fraction). */
export function parseTimestamp(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|\+00(?::?00)?)?$/.exec(text.trim());
  if (!m) return null;
  const ms = (m[3] ?? "").padEnd(3, "0").slice(0, 3);
  const date = new Date(`${m[1]}T${m[2]}.${ms}Z`);
  return Number.isFinite(date.getTime()) ? date : null;
}

/** `rails db:sessions:trim`'s default: `ENV['SESSION_DAYS_TRIM_THRESHOLD'] || 30` days. */
export const DEFAULT_TRIM_DAYS = 30;

/**
 * `(ENV['SESSION_DAYS_TRIM_THRESHOLD'] || 30).to_i.days.ago`: rows whose `updated_at` is before this
 * are trimmed. `olderThan` in seconds (the app's `Time.zone` is UTC, so a day is 86 400 s).
 */
export function trimCutoff(now: Date, olderThan: number = DEFAULT_TRIM_DAYS * 86_400): Date {
  if (!(typeof olderThan === "number" && Number.isFinite(olderThan) && olderThan >= 0)) {
    throw new InvalidOptionError("olderThan must be a number of seconds ≥ 0");
  }
  return new Date(now.getTime() - olderThan * 1000);
}

/**
 * `SESSION_DAYS_TRIM_THRESHOLD` as the rake task reads it, in seconds. Ruby's `to_i` makes anything
 * unparsable 0 days (trimming every row not updated in the future); that is refused here instead.
 */
export function trimThresholdFromEnv(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_TRIM_DAYS * 86_400;
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidOptionError(`SESSION_DAYS_TRIM_THRESHOLD must be a whole number of days (got ${JSON.stringify(value)})`);
  return Number(value) * 86_400;
}
