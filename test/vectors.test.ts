/**
 * Every cookie that real Rails 6.1, 7.0, 7.1, 7.2 and 8.0 wrote (fixtures/rails-vectors, copied
 * unchanged from shared/rails-vectors) decodes to exactly what that Rails read back from it.
 */
import { describe, expect, it } from "vitest";
import { describeLine, loadVectorFile } from "./helpers/vectors.js";
import { expectFixtureReadsAsRails, expectSharedVectorReadsAsRails } from "./helpers/expect-vectors.js";
import { pinnedNow } from "./helpers/clock.js";

const lines = loadVectorFile("rails-vectors/vectors.jsonl");
// The vectors were written in November 2026; expiring ones expire in 2099, expired ones in 2001.
const now = pinnedNow;

describe("cookies written by real Rails decode to what Rails read", () => {
  it("has all 410 lines", () => expect(lines).toHaveLength(410));

  for (const line of lines) {
    it(describeLine(line), () => {
      expectSharedVectorReadsAsRails(line, now);
    });
  }
});

describe("cookies written by rails-fixture-app (real Rails 6.1.7.10, load_defaults 5.0–6.1) decode to what Rails read", () => {
  const fixtures = loadVectorFile("rails61/vectors.jsonl");

  it("covers every load_defaults 5.0–6.1 × serializer × kind", () => {
    const seen = new Set(fixtures.map((l) => `${l.defaults} ${l.serializer} ${l.kind}`));
    for (const d of ["5.0", "5.1", "5.2", "6.0", "6.1"])
      for (const s of ["json", "marshal", "hybrid"])
        for (const k of ["session", "encrypted", "signed"]) expect(seen, `${d} ${s} ${k}`).toContain(`${d} ${s} ${k}`);
  });

  for (const line of fixtures) {
    it(describeLine(line), () => {
      expectFixtureReadsAsRails(line, now);
    });
  }
});
