/**
 * Live round trip through Ruby: Node loads a session Ruby wrote, changes one key and adds one, dumps
 * it; Ruby loads Node's bytes and dumps what it read. Ruby's bytes must equal Ruby's own dump of the
 * original session with exactly that change — so every untouched value reached Ruby as it was.
 */
import { execFileSync } from "node:child_process";
import { describeNeeding, rails } from "./helpers/needs.js";
import { expect, it } from "vitest";
import { dump, load } from "../src/marshal/index.js";

const rb = (script: string, input?: Uint8Array): Buffer =>
  execFileSync("ruby", ["-e", `require "active_support"; require "active_support/core_ext/hash/indifferent_access"; $stdout.binmode; $stdin.binmode; ${script}`], { input: input ? Buffer.from(input) : undefined });

const session = `{ "session_id" => "8dcc6f9d", "user_id" => 42, "sym" => :admin, "ratio" => 0.1, "big" => 2**70,
  "ascii" => "plain".encode("US-ASCII"), "bin" => "\\xff\\x00".b, "at" => Time.utc(2024, 2, 29, 12, 30, 45, 123456),
  "prefs" => ActiveSupport::HashWithIndifferentAccess.new("lang" => "fr"), "twice" => [(s = "same"), s],
  "flash" => { "discard" => [], "flashes" => { "notice" => "Saved" } } }`;

describeNeeding(rails, "Ruby reads what Node changed", () => {
  it("a key changed and a key added: Ruby sees the original plus exactly that change", () => {
    const original = rb(`print Marshal.dump(${session})`);
    const s = load(original) as Record<string, unknown>;
    s["user_id"] = 43;
    s["cart"] = ["A-1", 2, 9.99];
    const rubyView = rb("print Marshal.dump(Marshal.load($stdin.read))", dump(s));
    const expected = rb(`h = ${session}; h["user_id"] = 43; h["cart"] = ["A-1", 2, 9.99]; print Marshal.dump(h)`);
    expect(rubyView.toString("hex")).toBe(expected.toString("hex"));
  });

  it("Ruby's `inspect` of Node's write-back of an untouched session is Ruby's own", () => {
    const original = rb(`print Marshal.dump(${session})`);
    const back = dump(load(original));
    expect(Buffer.from(back).toString("hex")).toBe(original.toString("hex"));
    const viaRuby = rb("print Marshal.load($stdin.read).inspect", back).toString();
    expect(viaRuby).toBe(rb(`print (${session}).inspect`).toString());
  });
});
