/**
 * The Web Crypto codec (src/edge.ts) inside Node: every cookie real Rails wrote decodes to what
 * Rails read, exactly as through the node:crypto `CookieJar`, and what each writes the other reads.
 * The same checks run inside Deno, Bun, workerd and the Edge runtime in test/runtimes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createCookieJarWith, type AsyncCookieJar } from "../src/asyncJar.js";
import { webCryptoSchemes } from "../src/webcrypto/schemes.js";
import type { CookieJarOptions } from "../src/config.js";
import { createCookieJar as createNodeAsyncJar, CookieJar } from "../src/index.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile } from "./helpers/vectors.js";

// The edge build resolves src/backend to Web Crypto; under vitest the seam is the Node one, so the
// Web Crypto backend is passed in explicitly.
const createCookieJar = (options: CookieJarOptions): Promise<AsyncCookieJar> => createCookieJarWith(options, webCryptoSchemes);
const now = () => new Date("2026-11-21T00:00:00Z");
const lines = [...loadVectorFile("rails-vectors/vectors.jsonl"), ...loadVectorFile("rails61/vectors.jsonl")];

describe("Web Crypto jar reads every Rails cookie as Rails did", () => {
  for (const line of lines) {
    it(describeLine(line), async () => {
      const jar = await createCookieJar(jarOptionsFor(line, now));
      const codec = line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;
      const sync = new CookieJar(jarOptionsFor(line, now));
      const syncCodec = line.kind === "signed" ? sync.signed : line.kind === "session" ? sync.session : sync.encrypted;
      if (line.rails_reads === null) {
        expect(await codec.get(line.name, line.value)).toBeNull();
        const error = await codec.decode(line.name, line.value).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: (() => { try { syncCodec.decode(line.name, line.value); } catch (e) { return (e as { code: string }).code; } })() });
        return;
      }
      const decoded = await codec.decode(line.name, line.value);
      expect(asRailsReads(decoded.value)).toEqual(line.rails_reads);
      const { value: _v, payload, ...how } = syncCodec.decode(line.name, line.value);
      const { value: _w, payload: webPayload, ...webHow } = decoded;
      expect(webHow).toEqual(how);
      expect(Buffer.from(webPayload).equals(Buffer.from(payload))).toBe(true);

      // What the Web Crypto jar writes, node:crypto reads, and the other way round.
      const written = await codec.set(line.name, decoded.value, { expires: 3600 });
      expect(asRailsReads(syncCodec.get(line.name, written))).toEqual(line.rails_reads);
      expect(asRailsReads(await codec.get(line.name, syncCodec.set(line.name, decoded.value)))).toEqual(line.rails_reads);
    });
  }
});

describe("the Node build's createCookieJar is the same async API on node:crypto", () => {
  const line = lines.find((l) => l.rails.startsWith("7.1") && l.kind === "session" && l.scenario === "session_rich")!;
  it(describeLine(line), async () => {
    const jar = await createNodeAsyncJar(jarOptionsFor(line, now));
    expect(asRailsReads(await jar.session.get(line.name, line.value))).toEqual(line.rails_reads);
    const web = await createCookieJar(jarOptionsFor(line, now));
    expect(asRailsReads(await web.session.get(line.name, await jar.session.set(line.name, { a: 1 })))).toEqual({ a: 1 });
  });

  it("refuses a tampered cookie with the same error code on both", async () => {
    const jar = await createNodeAsyncJar(jarOptionsFor(line, now));
    const web = await createCookieJar(jarOptionsFor(line, now));
    const flipped = line.value.slice(0, 10) + (line.value[10] === "A" ? "B" : "A") + line.value.slice(11);
    const codes = await Promise.all([jar, web].map((j) => j.session.decode(line.name, flipped).catch((e: { code: string }) => e.code)));
    expect(codes[0]).toBe(codes[1]);
    expect(typeof codes[0]).toBe("string");
  });
});
