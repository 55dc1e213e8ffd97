/**
 * The row codec of ActiveRecordStore (src/stores/activeRecord/), pure, against every row real Rails
 * 6.1–8.0 stored through activerecord-session_store 2.0–2.3 (fixtures/rails-ar-sessions).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { marshalDump } from "../src/index.js";
import { SessionEntryError } from "../src/errors.js";
import { sessionIdFor } from "../src/stores/types.js";
import {
  dataChanged,
  formatTimestamp,
  isLookupAllowed,
  lookupIds,
  parseTimestamp,
  trimCutoff,
  trimThresholdFromEnv,
} from "../src/stores/activeRecord/row.js";
import { parseGemVersion } from "../src/stores/activeRecord/gemVersion.js";
import { decode64, dumpSessionData, encode64, loadSessionData } from "../src/stores/activeRecord/serializers.js";
import { generateJson } from "../src/stores/redisSessionStore.js";
import { asRailsReads } from "./helpers/vectors.js";
import { describeArLine, loadArLines, railsIgnoredRow } from "./helpers/ar-sessions.js";

const lines = loadArLines();

describe("fixtures/rails-ar-sessions", () => {
  it("holds the 173 sessions of the README, every scenario", () => {
    expect(lines).toHaveLength(173);
    expect(new Set(lines.map((l) => l.scenario))).toEqual(
      new Set(["session_rich", "session_ruby_types", "session_devise_csrf", "session_legacy_public_id", "session_stale", "session_hybrid_from_marshal"]),
    );
  });
});

describe("each row reads as Rails read it", () => {
  for (const line of lines) {
    it(describeArLine(line), () => {
      const data = loadSessionData(line.row.data, line.serializer);
      // With secure_session_only Rails did not use a public-id row at all (it read {}): the lookup
      // rule, not the codec, decides that (below); the row itself still reads as the session it is.
      if (!railsIgnoredRow(line)) expect(asRailsReads(data)).toEqual(line.rails_reads);
      if (line.row.data!.startsWith("BAh") && line.serializer !== "null" && !railsIgnoredRow(line)) {
        // Marshal rows: the very objects Rails read (Marshal.dump of session.to_hash).
        expect(Buffer.from(decode64(line.row.data!)).toString("base64")).toBe(line.rails_reads_marshal);
        expect(Buffer.from(marshalDump(data)).toString("base64")).toBe(line.rails_reads_marshal);
      }
    });
  }
});

describe("Node writes the row the gem wrote for the same session", () => {
  for (const line of lines) {
    if (line.data_type === "jsonb") continue; // PostgreSQL renders jsonb itself: test/active-record-store.test.ts
    it(describeArLine(line), () => {
      const data = loadSessionData(line.row.data, line.serializer);
      const written = dumpSessionData(data, line.serializer, parseGemVersion(line.gem_version));
      if (line.scenario === "session_hybrid_from_marshal") {
        // The :marshal serializer wrote this row; :hybrid writes JSON. Gems before 2.3.0 saved that on
        // the reading request, so row_after_read holds exactly what the gem writes for it.
        expect(written.startsWith('{"value":')).toBe(true);
        if (line.gem_version !== "2.3.0") expect(written).toBe(line.row_after_read!.data);
      } else {
        expect(written).toBe(line.row.data);
      }
    });
  }

  it("an empty new session is the row Rails created after the trim (every serializer)", () => {
    const stale = lines.filter((l) => l.scenario === "session_stale" && l.data_type !== "jsonb");
    expect(stale.length).toBeGreaterThan(20);
    for (const line of stale) {
      expect(dumpSessionData(Object.create(null), line.serializer, parseGemVersion(line.gem_version)), describeArLine(line)).toBe(line.row_created_after_trim!.data);
    }
  });
});

describe("when the gem saves the row (write rules per gem version)", () => {
  for (const line of lines) {
    if (railsIgnoredRow(line) || line.row_after_read === null) continue;
    it(describeArLine(line), () => {
      const after = line.row_after_read!;
      // The reading request wrote back what it read (an untouched session).
      const gem = parseGemVersion(line.gem_version);
      const text = dumpSessionData(loadSessionData(line.row.data, line.serializer), line.serializer, gem);
      const legacy = line.scenario === "session_legacy_public_id";
      expect(dataChanged(line.row.data, text, line.serializer, gem)).toBe(after.data !== line.row.data);
      // Rails touched updated_at exactly when it saved: the data changed, or the legacy row moved.
      expect(after.updated_at !== line.row.updated_at).toBe(after.data !== line.row.data || legacy);
      expect(after.session_id).toBe(sessionIdFor(line.value).privateId);
      expect(after.created_at).toBe(line.row.created_at);
    });
  }

  it("a changed session is a changed row in every version", () => {
    for (const line of lines.filter((l) => l.scenario === "session_rich")) {
      const data = loadSessionData(line.row.data, line.serializer);
      data["user_id"] = 43;
      const text = dumpSessionData(data, line.serializer, parseGemVersion(line.gem_version));
      expect(dataChanged(line.row.data, text, line.serializer, parseGemVersion(line.gem_version))).toBe(true);
    }
  });
});

describe("session ids", () => {
  it("every row under a private id is \"2::\" + sha256(cookie value)", () => {
    for (const line of lines) {
      const sid = sessionIdFor(line.value);
      expect(line.row.session_id, describeArLine(line)).toBe(line.scenario === "session_legacy_public_id" ? line.value : sid.privateId);
    }
  });

  it("looks up the private id, then the public id unless secure_session_only", () => {
    for (const line of lines.filter((l) => l.scenario === "session_legacy_public_id")) {
      const ids = lookupIds(sessionIdFor(line.value), line.secure_session_only);
      // Rails found the legacy row exactly when the public id is among the ids looked up.
      expect(ids.includes(line.row.session_id), describeArLine(line)).toBe(!line.secure_session_only);
      expect(ids[0]).toBe(sessionIdFor(line.value).privateId);
    }
  });

  it("never looks up a cookie value shaped like a private id (\\d+::)", () => {
    for (const line of lines.filter((l) => l.row.session_id.startsWith("2::")).slice(0, 10)) {
      expect(lookupIds(sessionIdFor(line.row.session_id), false)).toEqual([]);
    }
    expect(isLookupAllowed("12::x")).toBe(false);
    expect(isLookupAllowed("a2::x")).toBe(true);
    expect(isLookupAllowed("\uD800abc")).toBe(false);
  });
});

describe("timestamps and the trim", () => {
  it("reads created_at/updated_at as every database rendered them", () => {
    for (const line of lines) {
      for (const row of [line.row, line.row_after_read].filter((r) => r !== null)) {
        for (const [text, iso] of [[row!.created_at_text, row!.created_at], [row!.updated_at_text, row!.updated_at]] as const) {
          expect(parseTimestamp(text)?.toISOString()).toBe(`${iso.slice(0, 23)}Z`);
        }
      }
    }
  });

  it("writes them in the text Active Record stores in SQLite (YYYY-MM-DD HH:MM:SS.ffffff, UTC)", () => {
    for (const line of lines.filter((l) => l.adapter === "sqlite3")) {
      const text = line.row.created_at_text;
      const written = formatTimestamp(parseTimestamp(text)!);
      expect(written.length).toBe(text.length);
      expect(written.slice(0, 23)).toBe(text.slice(0, 23));
    }
  });

  it("cuts off where `rails db:sessions:trim` did (30 days; the 40-day row goes, the 29-day row stays)", () => {
    const stale = lines.filter((l) => l.scenario === "session_stale");
    expect(stale.length).toBeGreaterThan(30);
    for (const line of stale) {
      const trim = line.trim!;
      const cutoff = new Date(trim.cutoff);
      // The rake task ran at cutoff + 30 days.
      const now = new Date(cutoff.getTime() + trim.threshold_days * 86_400_000);
      expect(trimCutoff(now, trimThresholdFromEnv(undefined)).getTime()).toBe(cutoff.getTime());
      const older = (r: { updated_at_text: string }) => parseTimestamp(r.updated_at_text)!.getTime() < cutoff.getTime();
      expect(trim.deleted.every(older), describeArLine(line)).toBe(true);
      expect(trim.kept.some(older), describeArLine(line)).toBe(false);
    }
  });

  it("reads SESSION_DAYS_TRIM_THRESHOLD in days, refusing what Ruby's to_i would turn into 0", () => {
    expect(trimThresholdFromEnv("7")).toBe(7 * 86_400);
    expect(() => trimThresholdFromEnv("a week")).toThrow(/whole number/);
  });
});

describe("bad rows are a SessionEntryError, never a crash or a partial session", () => {
  const marshalRow = lines.find((l) => l.serializer === "marshal" && l.scenario === "session_rich")!.row.data!;
  const jsonRow = lines.find((l) => l.serializer === "json" && l.scenario === "session_rich")!.row.data!;
  const bomb = (() => {
    // 40 levels of a = [b, b] with links: 2**40 leaves if expanded.
    let body = "[\x07[\x06i\x06";
    for (let i = 0; i < 40; i++) body = `[\x07${body}@\x06`;
    return encode64(Buffer.from(`\x04\x08${body}`, "latin1"));
  })();
  const cases: [string, string, "marshal" | "json" | "hybrid" | "null"][] = [
    ["garbage", "not a session at all", "marshal"],
    ["wrong Base64", "BAh7!!!*&^%\n", "marshal"],
    ["truncated Marshal", marshalRow.slice(0, 40), "marshal"],
    ["a Marshal Array, not a Hash", encode64(Buffer.from("\x04\x08[\x06i\x06", "latin1")), "marshal"],
    ["a Marshal bomb", bomb, "marshal"],
    ["a JSON row under :marshal", jsonRow, "marshal"],
    ["a Marshal row under :json", marshalRow, "json"],
    ["a JSON value that is not a Hash", '{"value":[1,2]}', "json"],
    ["truncated JSON", jsonRow.slice(0, 30), "hybrid"],
    ["a Marshal row under :null", marshalRow, "null"],
  ];
  for (const [what, text, serializer] of cases) {
    it(`${what} (:${serializer})`, () => {
      expect(() => loadSessionData(text, serializer)).toThrow(SessionEntryError);
    });
  }

  it("NULL, JSON null and a JSON Hash without \"value\" are an empty session (Session#data's `|| {}`)", () => {
    expect(loadSessionData(null, "marshal")).toEqual({});
    expect(loadSessionData("null", "json")).toEqual({});
    expect(loadSessionData('{"other":1}', "json")).toEqual({});
  });

  it("any text either loads as a Hash or throws SessionEntryError (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom("marshal", "json", "hybrid", "null" as const), (text, serializer) => {
        try {
          const data = loadSessionData(text, serializer);
          expect(typeof data).toBe("object");
          expect(Array.isArray(data)).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(SessionEntryError);
        }
      }),
      { numRuns: 2000, seed: 12 },
    );
  });
});

describe("the gem's text forms", () => {
  it("encode64 breaks lines every 60 characters and ends with a newline, like Ruby", () => {
    const row = lines.find((l) => l.scenario === "session_ruby_types")!.row.data!;
    const lengths = row.split("\n").map((s) => s.length);
    expect(encode64(decode64(row))).toBe(row);
    expect(lengths.slice(0, -2).every((n) => n === 60)).toBe(true);
    expect(encode64(new Uint8Array(0))).toBe("");
  });

  it("JSON.dump leaves <, >, & and U+2028 as they are but keeps a written-out \\u003c", () => {
    expect(generateJson({ a: "<b>&\u2028", b: "\\u003c", c: "\\\\u003e" })).toBe('{"a":"<b>&\u2028","b":"\\\\u003c","c":"\\\\\\\\u003e"}');
  });

  it("identity: JSON session data → row → data (property)", () => {
    const value = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    fc.assert(
      fc.property(value, fc.constantFrom("marshal", "json", "hybrid", "null" as const), (data, serializer) => {
        const clean = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
        const text = dumpSessionData(clean, serializer);
        const back = loadSessionData(text, serializer);
        expect(dumpSessionData(back, serializer)).toBe(text);
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});
