/**
 * The sessions real Rails 6.1–8.0 kept in SQL through activerecord-session_store 2.0–2.3
 * (fixtures/rails-ar-sessions, README there), and the rows they are in.
 */
import { readFileSync } from "node:fs";
import { decodeJson } from "../../src/serializers/json.js";
import type { ActiveRecordSerializer } from "../../src/stores/activeRecord/serializers.js";
import { fixturePath } from "./vectors.js";

export interface ArRow {
  session_id: string;
  data: string | null;
  created_at: string;
  updated_at: string;
  created_at_text: string;
  updated_at_text: string;
}

export interface ArLine {
  rails: string;
  defaults: string;
  gem_version: string;
  adapter: "postgresql" | "sqlite3";
  serializer: ActiveRecordSerializer;
  data_type: "text" | "json" | "jsonb";
  table: string;
  session_key: string;
  expire_after: number | null;
  secure_session_only: boolean;
  secret_key_base: string;
  scenario: string;
  name: string;
  value: string;
  set_cookie: string | null;
  row: ArRow;
  rails_reads: unknown;
  rails_reads_marshal: string;
  read_set_cookie: string | null;
  row_after_read: ArRow | null;
  public_id_row_after_read?: ArRow | null;
  recent_cookie_value?: string;
  trim?: { cutoff: string; threshold_days: number; deleted: ArRow[]; kept: ArRow[] };
  rails_reads_after_trim?: unknown;
  set_cookie_after_trim?: string;
  row_created_after_trim?: ArRow;
}

/** All 173 lines; `rails_reads` keeps big integers exact (bigint). */
export function loadArLines(): ArLine[] {
  return readFileSync(fixturePath("rails-ar-sessions/vectors.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => decodeJson(l) as ArLine);
}

/** How a test names a line (the README asks for rails, gem_version, serializer, adapter and scenario). */
export function describeArLine(l: ArLine): string {
  const extra = [
    l.data_type !== "text" ? `data ${l.data_type}` : "",
    l.expire_after !== null ? `expire_after ${l.expire_after}` : "",
    l.secure_session_only ? "secure_session_only" : "",
  ].filter(Boolean);
  return `Rails ${l.rails} gem ${l.gem_version} ${l.serializer} ${l.adapter} ${l.scenario}${extra.length ? ` (${extra.join(", ")})` : ""}`;
}

/** Rails read nothing from the row: `secure_session_only` and a row under the public id. */
export function railsIgnoredRow(l: ArLine): boolean {
  return l.secure_session_only && l.scenario === "session_legacy_public_id";
}
