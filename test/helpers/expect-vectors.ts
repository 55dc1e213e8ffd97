/**
 * The checks every reading of a Rails-written cookie must pass, shared by test/vectors.test.ts (on
 * the pinned clock) and test/clock.test.ts (the same, with the machine's clock moved ahead).
 * Kept apart from helpers/vectors.ts, which bench/ imports outside vitest.
 */
import { expect } from "vitest";
import { CookieJar } from "../../src/jar.js";
import { RailsCookieError } from "../../src/errors.js";
import { asRailsReads, jarOptionsFor, type VectorLine } from "./vectors.js";

/**
 * A line of fixtures/rails-vectors decodes, on the clock `now`, to exactly what Rails read
 * (`null`: Rails found it expired), through the app's own primary scheme.
 */
export function expectSharedVectorReadsAsRails(line: VectorLine, now: () => Date): void {
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
}

/** A line of fixtures/rails61 decodes, on the clock `now`, to exactly what Rails read. */
export function expectFixtureReadsAsRails(line: VectorLine, now: () => Date): void {
  const jar = new CookieJar(jarOptionsFor(line, now));
  // The session goes through `signed_or_encrypted`, like Rails' CookieStore.
  const codec = line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;
  if (line.rails_reads === null) {
    expect(codec.get(line.name, line.value)).toBeNull();
    expect(() => codec.decode(line.name, line.value)).toThrow(RailsCookieError);
    return;
  }
  const decoded = codec.decode(line.name, line.value);
  expect(asRailsReads(decoded.value)).toEqual(line.rails_reads);
  if (line.secret_token) expect(decoded.scheme.source).toBe(line.kind === "signed" && !line.secret_key_base ? "primary" : "secret_token");
}
