/**
 * The Rails flash, read from and written to `session["flash"]`.
 *
 * Rails source: `actionpack/lib/action_dispatch/middleware/flash.rb` (read at v4.2.11.3 and
 * v6.1.7.10; the 5.0+ code is unchanged through 8.0). Spec §2.
 *
 * Stored forms (`FlashHash#to_session_value` / `.from_session_value`):
 * - 5.0+: `{"discard" => [], "flashes" => {"notice" => "Saved"}}`, and no `"flash"` key at all when
 *   nothing is left to show.
 * - 4.1/4.2: the same Hash, but `discard` may list keys already shown (they are skipped on read).
 * - 4.0: the same, keys possibly Symbols (a Marshal session decodes them to `RubySymbol`).
 * - 3.1/3.2: an `ActionDispatch::Flash::FlashHash` object with `@flashes` and `@used` (read only).
 *
 * Lifecycle in Rails: a flash set in request N is stored; request N+1 loads it (all loaded keys are
 * marked for discard), shows it, and at the end of N+1 `commit_flash` stores only what was set or
 * kept during N+1, so the shown messages disappear. A request that never touches `flash` leaves
 * `session["flash"]` alone.
 *
 * How a Node app sharing the session does the same:
 * - to show messages, `consumeFlash(session)`: returns them and removes them (Rails' load + sweep +
 *   commit for a request that displays the flash and sets nothing);
 * - to leave a message for the next page (Rails' or Node's), `setFlash(session, "notice", "Saved")`;
 * - to peek without consuming, `readFlash(session)`; to show and keep for one more page, `keepFlash(session)`.
 */
import { InvalidOptionError, PayloadError } from "../errors.js";
import { RubyObject, RubySymbol } from "../ruby/types.js";

/** A Rails session as `session.to_hash` gives it: String keys, a null-prototype object. */
type Session = Record<string, unknown>;

/** Flash messages by String key (`FlashHash#to_hash`), a null-prototype object. */
export type Flashes = Record<string, unknown> & { notice?: unknown; alert?: unknown };

/** The session key (`session["flash"]`). */
export const FLASH_SESSION_KEY = "flash";

/**
 * The flash messages the next page would show: `FlashHash.from_session_value(session["flash"]).to_hash`.
 * Entries listed in a 4.x `discard` are left out, as Rails does. Does not change the session.
 * Throws `PayloadError` when `session["flash"]` is a Hash without a `flashes` Hash.
 */
export function readFlash(session: Session): Flashes {
  return fromSessionValue(session[FLASH_SESSION_KEY]);
}

/**
 * Reads the flash and marks it shown: returns `readFlash(session)` and then leaves the session as
 * Rails' `commit_flash` does after a request that rendered the flash and set nothing new, i.e.
 * without a `"flash"` key. Call it when your page displays the messages.
 */
export function consumeFlash(session: Session): Flashes {
  const flashes = readFlash(session);
  delete session[FLASH_SESSION_KEY];
  return flashes;
}

/**
 * `flash[key] = value` for the next request, keeping the messages not shown yet (Rails'
 * `flash.keep` then `flash[key] = value`). `undefined` removes the key (`flash.delete(key)`); `null`
 * stores nil like Rails. Writes the 5.0+ stored form, which every Rails from 4.0 reads.
 */
export function setFlash(session: Session, key: string | RubySymbol, value: unknown): void {
  const flashes = readFlash(session);
  const k = flashKey(key);
  if (value === undefined) delete flashes[k];
  else flashes[k] = value;
  writeFlash(session, flashes);
}

/**
 * `flash.keep` followed by `commit_flash`: the messages not shown yet stay for one more request.
 * Rewrites a 4.x stored form (non-empty `discard`) as the 5.0+ form. Returns the kept messages.
 */
export function keepFlash(session: Session): Flashes {
  const flashes = readFlash(session);
  if (session[FLASH_SESSION_KEY] !== undefined) writeFlash(session, flashes);
  return flashes;
}

/**
 * `flash.replace(flashes)` followed by `commit_flash`: stores exactly these messages as
 * `{"discard" => [], "flashes" => {…}}` with String keys, or removes `"flash"` when there are none
 * (`to_session_value` returns nil and `commit_flash` deletes the key). `undefined` values are left
 * out (they have no Ruby counterpart).
 */
export function writeFlash(session: Session, flashes: Record<string, unknown> | Map<unknown, unknown>): void {
  const out = Object.create(null) as Flashes;
  const entries = flashes instanceof Map ? [...flashes.entries()] : Object.entries(flashes);
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    out[flashKey(k as string | RubySymbol)] = v;
  }
  if (Object.keys(out).length === 0) {
    delete session[FLASH_SESSION_KEY];
    return;
  }
  const stored = Object.create(null) as Record<string, unknown>;
  stored["discard"] = [];
  stored["flashes"] = out;
  session[FLASH_SESSION_KEY] = stored;
}

/** `FlashHash.from_session_value(value).to_hash`. */
function fromSessionValue(value: unknown): Flashes {
  if (value instanceof RubyObject && value.className === "ActionDispatch::Flash::FlashHash") {
    // Rails 3.1/3.2 object form: @flashes minus the keys in @used.
    return collect(value.ivars["@flashes"], setMembers(value.ivars["@used"]), "@flashes");
  }
  if (!isHash(value)) return Object.create(null) as Flashes; // `else new`: anything else is an empty flash
  const flashes = get(value, "flashes");
  const discard = get(value, "discard");
  return collect(flashes, setMembers(discard), "flashes");
}

function collect(flashes: unknown, discard: Set<string>, what: string): Flashes {
  if (!isHash(flashes)) throw new PayloadError(`session["flash"] has no ${what} Hash`);
  const out = Object.create(null) as Flashes;
  for (const [k, v] of hashEntries(flashes)) {
    const key = storedKey(k);
    if (!discard.has(key)) out[key] = v; // `flashes.except!(*discard)`, then `stringify_keys`
  }
  return out;
}

/** Keys of an Array, a Ruby Set (Marshal: an object whose `@hash` holds the members) or nil. */
function setMembers(value: unknown): Set<string> {
  if (value === undefined || value === null) return new Set();
  if (Array.isArray(value)) return new Set(value.map(storedKey));
  if (value instanceof RubyObject && value.className === "Set" && isHash(value.ivars["@hash"])) {
    return new Set(hashEntries(value.ivars["@hash"]).map(([k]) => storedKey(k)));
  }
  throw new PayloadError('session["flash"] has a discard list that is not an Array');
}

function isHash(value: unknown): value is Record<string, unknown> | Map<unknown, unknown> {
  if (value instanceof Map) return true;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}

function hashEntries(hash: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  return hash instanceof Map ? [...hash.entries()] : Object.entries(hash);
}

function get(hash: Record<string, unknown> | Map<unknown, unknown>, key: string): unknown {
  if (!(hash instanceof Map)) return Object.prototype.hasOwnProperty.call(hash, key) ? hash[key] : undefined;
  if (hash.has(key)) return hash.get(key);
  // Rails 4.0 wrote String keys here, but be lenient about a Symbol key decoded from Marshal.
  for (const [k, v] of hash) if (k instanceof RubySymbol && k.name === key) return v;
  return undefined;
}

/** A key found in the session: like `flashKey`, but junk there is a bad payload, not a bad argument. */
function storedKey(key: unknown): string {
  try {
    return flashKey(key);
  } catch {
    throw new PayloadError('session["flash"] has a key that is not a String or Symbol');
  }
}

/** `k.to_s`: Rails stringifies flash keys (Symbols, Strings, numbers). */
function flashKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (key instanceof RubySymbol) return key.name;
  if (typeof key === "number" || typeof key === "bigint") return String(key);
  throw new InvalidOptionError("a flash key must be a String or Symbol");
}
