/**
 * Flash (src/rails/flash.ts) and Devise/Warden (src/rails/warden.ts) against real Rails:
 * - flash: every case runs the real `ActionDispatch::Request#flash` / `#commit_flash` of
 *   actionpack 6.1.7.10 under `ruby` (a request that loads the stored flash, does something, commits)
 *   and compares what Rails showed and stored with what our functions show and store;
 * - warden: the `warden.user.user.key` of every `session_rich` vector (Rails 6.1–8.0 read it back).
 */
import { loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { spawnSync } from "node:child_process";
import { describeNeeding, rails } from "./helpers/needs.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { consumeFlash, keepFlash, readFlash, setFlash, writeFlash } from "../src/rails/flash.js";

/** A Rails session as `session.to_hash` gives it. */
type Session = Record<string, unknown>;
import { clearWardenUser, setWardenUser, wardenUser } from "../src/rails/warden.js";
import { RubyObject, sym } from "../src/ruby/types.js";
import { load } from "../src/marshal/index.js";

const newSession = (init: Record<string, unknown> = {}): Session => Object.assign(Object.create(null) as Session, init);

// ---- vectors ---------------------------------------------------------------------------------

type Vector = VectorLine & { rails_reads: Record<string, unknown> | null };
const loadVectors = () => loadVectorFile("rails-vectors/vectors.jsonl") as Vector[];
const richVectors = loadVectors().filter((v) => v.scenario === "session_rich" && v.rails_reads);

describe("wardenUser against session_rich vectors", () => {
  it("has session_rich vectors from every Rails version", () => {
    expect(new Set(richVectors.map((v) => v.rails))).toEqual(new Set(["6.1.7.10", "7.0.10", "7.1.6", "7.2.3", "8.0.5"]));
  });

  for (const v of richVectors) {
    it(`reads and rewrites Devise's key: rails ${v.rails}, defaults ${v.defaults}, serializer ${v.serializer}, scenario ${v.scenario}`, () => {
      const session = newSession(v.rails_reads!);
      const stored = v.rails_reads!["warden.user.user.key"] as [unknown[], string];
      const user = wardenUser(session)!;
      expect(user).toEqual({ id: stored[0][0], key: stored[0], salt: stored[1] });
      expect(wardenUser(session, "admin")).toBeNull();
      // Writing the same user gives exactly what Rails stored (same JSON, same order).
      const mine = newSession();
      setWardenUser(mine, "user", user.id, user.salt);
      expect(JSON.stringify(mine["warden.user.user.key"])).toBe(JSON.stringify(stored));
      expect(clearWardenUser(session)).toBe(true);
      expect("warden.user.user.key" in session).toBe(false);
      expect(wardenUser(session)).toBeNull();
      expect(session["user_id"]).toBe(42); // nothing else touched
    });
  }

  it("reads the key from the exact Ruby objects (rails_reads_marshal, loaded by our Marshal) of every vector", () => {
    const withMarshal = richVectors.filter((v) => v.rails_reads_marshal);
    expect(withMarshal.length).toBe(richVectors.length);
    for (const v of withMarshal) {
      const session = load(Buffer.from(v.rails_reads_marshal!, "base64")) as Session;
      const stored = v.rails_reads!["warden.user.user.key"] as [unknown[], string];
      expect({ v: `${v.rails} ${v.defaults} ${v.serializer}`, user: wardenUser(session) }).toEqual({
        v: `${v.rails} ${v.defaults} ${v.serializer}`,
        user: { id: stored[0][0], key: stored[0], salt: stored[1] },
      });
    }
  });

  it("round-trips any id, key and salt (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("user", "admin", "api_user"),
        fc.oneof(fc.integer(), fc.uuid(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 })),
        fc.option(fc.string({ minLength: 29, maxLength: 29 })),
        (scope, id, salt) => {
          const s = newSession({ other: 1 });
          setWardenUser(s, scope, id, salt);
          const key = Array.isArray(id) ? id : [id];
          expect(wardenUser(s, scope)).toEqual({ id: key[0], key, salt });
          s[`warden.user.${scope}.session`] = { last_request_at: 1 };
          expect(clearWardenUser(s, scope)).toBe(true);
          expect(Object.keys(s)).toEqual(["other"]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses malformed keys with a typed error and bad arguments with another", () => {
    for (const bad of ["x", 1, [], [[7]], [7, "salt"], [[], "salt"], [[7], 5], [[7], "s", "extra"], { 0: [7], 1: "s" }]) {
      expect(() => wardenUser(newSession({ "warden.user.user.key": bad }))).toThrow(expect.objectContaining({ code: "bad_payload" }));
    }
    expect(() => setWardenUser(newSession(), "user", null, "s")).toThrow(expect.objectContaining({ code: "invalid_option" }));
    expect(() => setWardenUser(newSession(), "", 1, "s")).toThrow(expect.objectContaining({ code: "invalid_option" }));
    expect(clearWardenUser(newSession())).toBe(false);
  });
});

// ---- flash: non-Ruby properties -----------------------------------------------------------------

describe("flash without Ruby", () => {
  it("writeFlash then readFlash is the identity, consume empties (fast-check)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue()), (flashes) => {
        const s = newSession();
        writeFlash(s, flashes);
        const expected = Object.assign(Object.create(null), Object.fromEntries(Object.entries(flashes).filter(([, v]) => v !== undefined)));
        expect(readFlash(s)).toEqual(expected);
        expect(consumeFlash(s)).toEqual(expected);
        expect("flash" in s).toBe(false);
        expect(readFlash(s)).toEqual(Object.create(null));
      }),
      { numRuns: 300 },
    );
  });

  it("reads Symbol keys (Rails 4.0 Marshal) and the Rails 3.x FlashHash object", () => {
    const m = new Map<unknown, unknown>([[sym("notice"), "hi"], [sym("alert"), "old"]]);
    expect(readFlash(newSession({ flash: { discard: [sym("alert")], flashes: m } }))).toEqual(
      Object.assign(Object.create(null), { notice: "hi" }),
    );
    const used = new RubyObject("Set", { ivars: { "@hash": new Map([[sym("alert"), true]]) } });
    const obj = new RubyObject("ActionDispatch::Flash::FlashHash", { ivars: { "@used": used, "@flashes": m } });
    expect(readFlash(newSession({ flash: obj }))).toEqual(Object.assign(Object.create(null), { notice: "hi" }));
  });

  it("treats non-Hash values as an empty flash and malformed Hashes as bad payloads", () => {
    for (const v of [undefined, null, "x", 3, [1, 2]]) expect(readFlash(newSession({ flash: v }))).toEqual(Object.create(null));
    for (const v of [{ discard: [] }, { flashes: "x" }, { flashes: {}, discard: "notice" }, { flashes: new Map([[{}, "x"]]) }]) {
      expect(() => readFlash(newSession({ flash: v }))).toThrow(expect.objectContaining({ code: "bad_payload" }));
    }
  });
});

// ---- flash against real Rails 6.1 -------------------------------------------------------------


/**
 * One request per input line, through the real flash code: the session holds `stored` (if given),
 * `request.flash` loads it, the ops run, `request.commit_flash` stores the result.
 */
const RAILS_FLASH = String.raw`
require "json"
require "action_dispatch"
require "action_dispatch/middleware/flash"
STDIN.each_line do |line|
  q = JSON.parse(line)
  session = {}
  session["flash"] = q["stored"] if q.key?("stored")
  env = Rack::MockRequest.env_for("/")
  env["rack.session"] = session
  req = ActionDispatch::Request.new(env)
  shown = req.flash.to_hash
  q["ops"].each do |op, a, b|
    case op
    when "set" then req.flash[a] = b
    when "keep" then req.flash.keep
    when "delete" then req.flash.delete(a)
    when "replace" then req.flash.replace(a)
    end
  end
  req.commit_flash
  puts JSON.generate({ "shown" => shown, "has" => session.key?("flash"), "stored" => session["flash"] })
end
`;

type Op = ["set", string, unknown] | ["keep"] | ["delete", string] | ["replace", Record<string, unknown>];
interface FlashCase {
  name: string;
  stored?: unknown;
  ops: Op[];
}

/** The same request with our functions; `keep` decides between setFlash (keep) and consume+set. */
function ours(c: FlashCase): { shown: unknown; has: boolean; stored: unknown } {
  const s = newSession(c.stored === undefined ? {} : { flash: c.stored });
  const shown = readFlash(s);
  const keeps = c.ops.some((o) => o[0] === "keep");
  const replaces = c.ops.find((o) => o[0] === "replace") as ["replace", Record<string, unknown>] | undefined;
  if (replaces) writeFlash(s, replaces[1]);
  else if (keeps) keepFlash(s);
  else consumeFlash(s);
  for (const op of c.ops) {
    if (op[0] === "set") setFlash(s, op[1], op[2]);
    if (op[0] === "delete") setFlash(s, op[1], undefined);
  }
  return { shown, has: "flash" in s, stored: s["flash"] ?? null };
}

const html = 'Hello <b>&amp; "Zoë" 🍪';
const cases: FlashCase[] = [
  { name: "first request sets a notice", ops: [["set", "notice", html]] },
  { name: "sets notice and alert", ops: [["set", "notice", "n"], ["set", "alert", "a"]] },
  { name: "sets structured values", ops: [["set", "errors", ["too short", { field: "name", n: 3 }]], ["set", "count", 2 ** 40], ["set", "nil", null]] },
  { name: "next request shows and sweeps", stored: { discard: [], flashes: { notice: html } }, ops: [] },
  { name: "shows, then sets a new message (old one swept)", stored: { discard: [], flashes: { notice: "old", alert: "a" } }, ops: [["set", "notice", "new"]] },
  { name: "keep then set (old ones survive)", stored: { discard: [], flashes: { notice: "old" } }, ops: [["keep"], ["set", "alert", "new"]] },
  { name: "keep then delete", stored: { discard: [], flashes: { notice: "old", alert: "a" } }, ops: [["keep"], ["delete", "alert"]] },
  { name: "keep then delete the last one", stored: { discard: [], flashes: { notice: "old" } }, ops: [["keep"], ["delete", "notice"]] },
  { name: "replace", stored: { discard: [], flashes: { notice: "old" } }, ops: [["replace", { a: 1, b: "two" }]] },
  { name: "replace with nothing", stored: { discard: [], flashes: { notice: "old" } }, ops: [["replace", {}]] },
  { name: "Rails 4.x stored form with a non-empty discard", stored: { discard: ["alert"], flashes: { notice: "keep me", alert: "shown" } }, ops: [["keep"]] },
  { name: "Rails 4.x form, shown and swept", stored: { discard: ["notice"], flashes: { notice: "shown", alert: "pending" } }, ops: [] },
  { name: "Rails 4.x form, discard lists every key", stored: { discard: ["notice"], flashes: { notice: "shown" } }, ops: [["keep"]] },
  { name: "not a Hash: an empty flash", stored: "garbage", ops: [["set", "notice", "x"]] },
  { name: "empty stored flash", stored: { discard: [], flashes: {} }, ops: [] },
];

describeNeeding(rails, "flash against real Rails 6.1.7.10 (ruby)", () => {
  it("shows and stores exactly what ActionDispatch::Flash does", () => {
    const r = spawnSync("ruby", ["-e", RAILS_FLASH], {
      input: cases.map((c) => JSON.stringify(c.stored === undefined ? { ops: c.ops } : { stored: c.stored, ops: c.ops })).join("\n") + "\n",
      encoding: "utf8",
    });
    if (r.error) throw r.error;
    expect(r.stderr).toBe("");
    const answers = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { shown: unknown; has: boolean; stored: unknown });
    expect(answers).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const mine = ours(c);
      // Same JSON text: same values, same key order, same {"discard"=>[], "flashes"=>…} form.
      expect({ name: c.name, json: JSON.stringify(mine) }).toEqual({ name: c.name, json: JSON.stringify(answers[i]) });
    });
  });
});

describeNeeding(rails, "Marshal-era flash forms dumped by real Ruby (actionpack 6.1.7.10 reads them)", () => {
  it("Rails 3.1/3.2 FlashHash object and Rails 4.0 Symbol keys read as Rails 6.1 reads them", () => {
    // Ruby builds each stored form with the real class, dumps it with Marshal, and says what the
    // real `FlashHash.from_session_value` shows for it; we load the bytes with our Marshal.
    const script = String.raw`
require "json"; require "base64"; require "set"
require "action_dispatch"; require "action_dispatch/middleware/flash"
def flash32(flashes, used)
  fh = ActionDispatch::Flash::FlashHash.allocate
  fh.instance_variable_set(:@flashes, flashes)
  fh.instance_variable_set(:@used, used)
  fh
end
forms = [
  flash32({ notice: "hi", alert: "shown" }, Set[:alert]),
  flash32({ notice: "Zoë <b>" }, Set.new),
  { "discard" => [:alert], "flashes" => { notice: "hi", alert: "shown" } },
  { "discard" => [], "flashes" => { "notice" => "plain", "n" => 2**70 } },
]
forms.each do |f|
  shown = ActionDispatch::Flash::FlashHash.from_session_value(Marshal.load(Marshal.dump(f))).to_hash
  puts JSON.generate({ "marshal" => Base64.strict_encode64(Marshal.dump({ "flash" => f })), "shown" => shown.transform_values { |v| v.is_a?(Integer) ? v.to_s : v } })
end`;
    const r = spawnSync("ruby", ["-e", script], { encoding: "utf8" });
    if (r.error) throw r.error;
    expect(r.stderr).toBe("");
    const answers = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { marshal: string; shown: Record<string, unknown> });
    expect(answers).toHaveLength(4);
    for (const a of answers) {
      const session = load(Buffer.from(a.marshal, "base64")) as Session;
      const mine = readFlash(session);
      const printable = Object.fromEntries(Object.entries(mine).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
      expect(JSON.stringify(printable)).toBe(JSON.stringify(a.shown));
      // Writing back gives the 5.0+ form with String keys.
      keepFlash(session);
      expect(Object.keys((session["flash"] as { flashes: object }).flashes)).toEqual(Object.keys(a.shown));
    }
  });
});
