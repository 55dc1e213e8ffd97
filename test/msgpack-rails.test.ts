/**
 * Ground truth: the `:message_pack` cookies real Rails wrote (fixtures/rails-vectors/vectors.jsonl;
 * Rails 7.1.6 / 7.2.3 / 8.0.5, load_defaults 7.1 / 7.2 / 8.0, serializer message_pack, scenarios
 * session_rich, session_ruby_types, session_csrf, encrypted_plain, encrypted_hash_expiring,
 * encrypted_expired, signed_int, signed_permanent).
 *
 * For each line: decrypt/verify with the crypto layer, take off the `_rails` envelope, then
 * - the payload decodes to what Rails read (`rails_reads`, big integers compared digit for digit);
 * - dump(load(payload)) is the payload, byte for byte;
 * - a session with one key added re-encodes to Rails' bytes plus exactly that entry.
 */
import { unwrap } from "../src/envelope/metadata.js";
import { describe, expect, it } from "vitest";
import { KeyGenerator, decryptGcm, verifySigned } from "../src/crypto/index.js";
import { unescapeCookieValue } from "../src/cookie/escape.js";
import { dumpRailsMessagePack, isHashWithIndifferentAccess, loadRailsMessagePack } from "../src/msgpack/index.js";
import { messagePackSerializer } from "../src/serializers/messagePack.js";
import { RubyObject, RubySymbol, RubyTime } from "../src/ruby/types.js";
import { asRailsReads, loadVectorFile, type VectorLine as Vector } from "./helpers/vectors.js";

/** The serialized bytes inside the cookie: decrypt or verify, then take off the `_rails` envelope. */
function payloadOf(v: Vector): Buffer {
  const digest = v.extra["active_support.key_generator_hash_digest_class"] === "OpenSSL::Digest::SHA1" ? "SHA1" : "SHA256";
  const kg = new KeyGenerator(v.secret_key_base, { hashDigestClass: digest });
  const raw = unescapeCookieValue(v.value);
  const plain =
    v.kind === "signed"
      ? verifySigned(raw, { secret: kg.generateKey("signed cookie"), digest: "SHA1" })
      : decryptGcm(raw, { cipher: "aes-256-gcm", secret: kg.generateKey("authenticated encrypted cookie", 32) });
  // Cookies always carry the legacy envelope (spec §4.2/§4.4); read it as a 7.1+ app does.
  const unwrapped = unwrap(plain, 7.1);
  expect(unwrapped.enveloped).toBe(true);
  return Buffer.from(unwrapped.message);
}

const vectors = loadVectorFile("rails-vectors/vectors.jsonl").filter((v) => v.serializer === "message_pack");

describe("Rails 7.1+ :message_pack cookies", () => {
  it("covers the 24 message_pack vectors (3 Rails versions × 8 scenarios)", () => {
    expect(vectors.length).toBe(24);
    expect(new Set(vectors.map((v) => v.rails))).toEqual(new Set(["7.1.6", "7.2.3", "8.0.5"]));
  });

  for (const v of vectors) {
    const label = `Rails ${v.rails} defaults ${v.defaults} ${v.serializer} ${v.scenario}`;

    it(`${label}: detected, and read as Rails read it`, () => {
      const payload = payloadOf(v);
      expect(messagePackSerializer.detect(payload)).toBe(true);
      const value = messagePackSerializer.load(payload);
      if (v.rails_reads === null) {
        // encrypted_expired: Rails refused the cookie for its envelope's exp, not its payload.
        expect(v.scenario).toBe("encrypted_expired");
        expect(typeof value).toBe("string");
        return;
      }
      expect(asRailsReads(value)).toEqual(v.rails_reads);
      // Whatever we return must survive JSON.stringify (bigints included).
      expect(() => JSON.stringify(value)).not.toThrow();
    });

    it(`${label}: dump(load(payload)) is Rails' bytes`, () => {
      const payload = payloadOf(v);
      expect(Buffer.from(dumpRailsMessagePack(loadRailsMessagePack(payload))).toString("hex")).toBe(payload.toString("hex"));
    });
  }

  const byScenario = (rails: string, scenario: string) => vectors.find((v) => v.rails === rails && v.scenario === scenario)!;

  for (const rails of ["7.1.6", "7.2.3", "8.0.5"]) {
    // The same values rails_reads shows (vectors README), checked as the JavaScript types they map to.
    it(`Rails ${rails} session_ruby_types: exact Ruby types`, () => {
      const value = loadRailsMessagePack(payloadOf(byScenario(rails, "session_ruby_types"))) as Record<string, unknown>;
      expect(value["big"]).toBe(2n ** 70n);
      expect(value["neg_big"]).toBe(-(2n ** 65n));
      expect(value["big_odd"]).toBe(12345678901234567890123n);
      expect(value["past_safe"]).toBe(2n ** 53n + 1n);
      const at = value["at"] as RubyTime;
      expect(at).toBeInstanceOf(RubyTime);
      expect(at.toISOStringMicro()).toBe("2024-02-29T12:30:45.123456Z");
      expect(at.utcOffset).toBe(0);
      expect(value["sym"]).toBeInstanceOf(RubySymbol);
      expect(isHashWithIndifferentAccess(value["prefs"])).toBe(true);
      expect(Object.getPrototypeOf(value)).toBeNull();
      expect(value["bin"]).toBeInstanceOf(Uint8Array);
      expect((value["range"] as RubyObject).className).toBe("Range");
    });

    for (const scenario of ["session_rich", "session_ruby_types"]) {
      it(`Rails ${rails} ${scenario} + one key: Rails' bytes plus exactly that entry`, () => {
        const payload = payloadOf(byScenario(rails, scenario));
        // The entry to add, as Rails wrote it: `_csrf_token` from the same Rails' session_csrf.
        const csrf = payloadOf(byScenario(rails, "session_csrf"));
        const keyAt = csrf.indexOf(Buffer.from("\xab_csrf_token", "latin1"));
        expect(keyAt).toBeGreaterThan(0);
        const entry = csrf.subarray(keyAt);
        const token = (loadRailsMessagePack(csrf) as Record<string, unknown>)["_csrf_token"];

        const session = loadRailsMessagePack(payload) as Record<string, unknown>;
        session["_csrf_token"] = token;
        const out = Buffer.from(dumpRailsMessagePack(session));
        // Both sessions have fewer than 15 keys: a fixmap header whose count grows by one.
        expect(payload[2]! & 0xf0).toBe(0x80);
        const expected = Buffer.concat([payload.subarray(0, 2), Buffer.of(payload[2]! + 1), payload.subarray(3), entry]);
        expect(out.toString("hex")).toBe(expected.toString("hex"));
      });
    }
  }
});
