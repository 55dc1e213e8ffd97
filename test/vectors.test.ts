/**
 * Every cookie that real Rails 6.1, 7.0, 7.1, 7.2 and 8.0 wrote (fixtures/rails-vectors, copied
 * unchanged from shared/rails-vectors) decodes to exactly what that Rails read back from it.
 */
import { describe, expect, it } from "vitest";
import { CookieJar } from "../src/index.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile } from "./helpers/vectors.js";

const lines = loadVectorFile("rails-vectors/vectors.jsonl");
// The vectors were written in November 2026; expiring ones expire in 2099, expired ones in 2001.
const now = () => new Date("2026-11-21T00:00:00Z");

describe("cookies written by real Rails decode to what Rails read", () => {
  it("has all 410 lines", () => expect(lines).toHaveLength(410));

  for (const line of lines) {
    it(describeLine(line), () => {
      const jar = new CookieJar(jarOptionsFor(line, now));
      const codec = line.kind === "signed" ? jar.signed : jar.encrypted;
      if (line.rails_reads === null) {
        // Rails read nil: the cookie is expired (scenario encrypted_expired).
        expect(codec.get(line.name, line.value)).toBeNull();
        expect(() => codec.decode(line.name, line.value)).toThrow(expect.objectContaining({ code: "expired" }));
        return;
      }
      const decoded = codec.decode(line.name, line.value);
      expect(asRailsReads(decoded.value)).toEqual(line.rails_reads);
      expect(asRailsReads(codec.get(line.name, line.value))).toEqual(line.rails_reads);
      // Read with the app's own primary scheme and serializer: nothing to rewrite.
      expect(decoded.scheme.source).toBe("primary");
      expect(decoded.needsRewrite).toBe(line.serializer === "hybrid" && decoded.scheme.serializer === "marshal");
    });
  }
});
