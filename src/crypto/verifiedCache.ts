/**
 * A bounded memory of cookies this process has already authenticated: the exact cookie text, as a
 * digest, to the plaintext it opened to and the scheme that opened it. It saves only what is the
 * same for the same bytes every time: unescaping, splitting, strict base64, and the MAC or
 * AES-GCM tag check with the decryption. Everything that depends on the request or the clock runs
 * on every read, cached or not: the envelope's purpose against the cookie's name and its expiry
 * against `now` (src/envelope). `decode` deserializes on every read too, so each read returns values
 * of its own that a handler may change; the session store reads through `decodeShared` instead
 * (src/jar.ts), which keeps one frozen view of the session in the entry (`above`) and hands it to
 * every read until a handler could change it (then that session gets a copy, src/session/session.ts).
 *
 * Why: a browser sends the same session cookie on every request until the cookie changes, and the
 * decryption is most of what a session read costs a server (docs/bench.md, "The verified-cookie
 * cache"). Rails has no such cache; what is cached cannot change what Rails would read, because a
 * cookie's bytes decide its plaintext under a jar's keys, and a jar's keys never change.
 *
 * What it holds and what it leaks:
 * - Only cookies that opened and then read in full (envelope, purpose, expiry, serializer) are
 *   remembered, so an attacker cannot fill it with forgeries: each entry is a cookie the app's keys
 *   made. Entries are at most `maxEntries`, each at most a 4096-byte cookie's plaintext (and, for
 *   the session store, the session it decodes to); the oldest goes first (insertion order).
 * - The lookup key is SHA-256 of the cookie text, not the text: a `Map` compares keys with an
 *   ordinary string comparison, which must never run over secret bytes that an attacker gets to
 *   line up against their own (the MAC rule, "compare MACs in constant time"). Comparing digests
 *   tells nothing about the cookies behind them.
 * - A hit is faster than a miss, so timing can tell whether a cookie was read recently. Only
 *   someone who already holds that exact cookie can ask.
 */
import * as nodeCrypto from "node:crypto";

/** What a jar remembers of one authenticated cookie. */
export interface VerifiedEntry<S> {
  /** The plaintext the scheme returned; never handed out (each read gets a copy, `plaintextCopy`). */
  readonly plaintext: Buffer;
  readonly scheme: S;
  /**
   * What the layers above made of the plaintext, kept by the jar for its read-only reads
   * (`CookieCodec.decodeShared`, src/jar.ts); opaque here. Undefined until such a read.
   */
  above?: unknown;
}

// `crypto.hash` (Node 20.12+) is a one-shot digest without a Hash object: half the cost of
// `createHash` on a session cookie. Looked up on the namespace: a named import of it would not
// link on Node 20.0–20.11.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: "base64") => string }).hash;
const sha256: (text: string) => string =
  typeof oneShotHash === "function"
    ? (text) => oneShotHash("sha256", text, "base64")
    : (text) => nodeCrypto.createHash("sha256").update(text).digest("base64");

export class VerifiedCache<S> {
  readonly #entries = new Map<string, VerifiedEntry<S>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The digest `get` and `set` take: compute it once per read. */
  static keyOf(raw: string): string {
    return sha256(raw);
  }

  get(key: string): VerifiedEntry<S> | undefined {
    return this.#entries.get(key);
  }

  /** Remembers a cookie (unless it is already); returns its entry. */
  set(key: string, plaintext: Uint8Array, scheme: S): VerifiedEntry<S> {
    const entries = this.#entries;
    const known = entries.get(key);
    if (known !== undefined) return known;
    if (entries.size >= this.#maxEntries) entries.delete(entries.keys().next().value!);
    // A copy: the caller's plaintext may be handed on (as a non-enveloped cookie's payload).
    const entry: VerifiedEntry<S> = { plaintext: Buffer.from(plaintext), scheme, above: undefined };
    entries.set(key, entry);
    return entry;
  }

  /** A copy of an entry's plaintext, for one read to use (a non-enveloped cookie's payload is the plaintext itself). */
  static plaintextCopy(entry: VerifiedEntry<unknown>): Buffer {
    return Buffer.from(entry.plaintext);
  }

  get size(): number {
    return this.#entries.size;
  }
}
