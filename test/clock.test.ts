/**
 * Nothing in the suite may depend on the machine's clock: cookies and sessions with an expiry are
 * read and written against test/helpers/clock.ts's pinned instant. Here the machine's clock itself
 * (the global `Date`) is moved a year and decades ahead while every cookie real Rails wrote is read
 * again, and a session is written and read back: the results must not change. CI also runs the
 * whole suite under `faketime` decades ahead (.ci/run), which moves Ruby's clock as well.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CookieJar, createSessionStore } from "../src/index.js";
import { PINNED, pinnedNow } from "./helpers/clock.js";
import { jarOptionsFor, loadVectorFile } from "./helpers/vectors.js";
import { expectFixtureReadsAsRails, expectSharedVectorReadsAsRails } from "./helpers/expect-vectors.js";

const shared = loadVectorFile("rails-vectors/vectors.jsonl");
const rails61 = loadVectorFile("rails61/vectors.jsonl");
const DAY = 24 * 3600 * 1000;

for (const [ahead, ms] of [
  ["a year ahead", 400 * DAY],
  ["decades ahead", 75 * 365 * DAY],
] as const) {
  describe(`the machine's clock ${ahead}`, () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() + ms);
    });
    afterEach(() => vi.useRealTimers());

    it("is really moved: a jar left on the machine's clock rejects a cookie Rails wrote to expire in 2099", () => {
      const line = shared.find((l) => l.scenario === "encrypted_hash_expiring" && l.rails_reads !== null)!;
      const { now: _pinned, ...options } = jarOptionsFor(line, pinnedNow);
      const onMachineClock = new CookieJar(options);
      if (ahead === "decades ahead") {
        expect(() => onMachineClock.encrypted.decode(line.name, line.value)).toThrow(expect.objectContaining({ code: "expired" }));
      }
      expect(new Date().getTime()).toBeGreaterThan(PINNED.getTime() + ms - DAY * 30);
    });

    it(`every cookie of fixtures/rails-vectors reads as Rails read it (${shared.length})`, () => {
      for (const line of shared) expectSharedVectorReadsAsRails(line, pinnedNow);
    });

    it(`every cookie of fixtures/rails61 reads as Rails read it (${rails61.length})`, () => {
      for (const line of rails61) expectFixtureReadsAsRails(line, pinnedNow);
    });

    it("a session with expire_after written on the pinned clock reads back on it", () => {
      const line = shared.find((l) => l.kind === "session" && l.defaults === "8.0" && l.serializer === "json")!;
      const store = createSessionStore({ ...jarOptionsFor(line, pinnedNow), key: line.session_key, expireAfter: 3600 });
      const session = store.load(undefined);
      session["user_id"] = 7;
      const setCookie = store.commit(session)!;
      expect(setCookie).toContain(`expires=${new Date(PINNED.getTime() + 3600_000).toUTCString()}`);
      const again = store.load(setCookie.split(";")[0]!);
      expect(again["user_id"]).toBe(7);
    });
  });
}
