/**
 * What the shared JavaScript value mapping (src/ruby/types.ts) cannot hold, remembered beside the
 * decoded values so that writing them back gives Rails the bytes it wrote.
 *
 * Four things are lost when MessagePack becomes plain JavaScript:
 * - a Ruby Float with an integral value (`2.0`) becomes the number `2`, which would go back as an
 *   Integer; a float32 (never written by Rails, but valid MessagePack) would go back as float64;
 * - a JavaScript object lists integer-like keys (`"1"`, `"42"`) first, whatever order Ruby's Hash had;
 * - a HashWithIndifferentAccess (ext 17) becomes an ordinary object;
 * - a MessagePack str that is not valid UTF-8 (Ruby keeps it as a broken UTF-8 String) cannot be a
 *   JavaScript string; it becomes a Uint8Array that must go back as str, not bin.
 *
 * All four live in WeakMaps/WeakSets keyed by the container or byte array, so they cost nothing
 * when unused, vanish with the value, and never appear as properties (JSON, `Object.keys`, spread
 * and equality checks see the plain value).
 */

/** Containers (arrays, null-prototype objects, Maps) → slot → the float that slot held when decoded. */
const floatSlots = new WeakMap<object, Map<unknown, { readonly value: number; readonly width: 32 | 64 }>>();
/** Null-prototype objects → their keys in the order the MessagePack map had them. */
const keyOrders = new WeakMap<object, readonly string[]>();
const indifferent = new WeakSet<object>();
const brokenStrings = new WeakSet<Uint8Array>();

/** Remembers that `container[slot]` was decoded from a float of `width` bits. */
export function rememberFloat(container: object, slot: unknown, value: number, width: 32 | 64): void {
  let slots = floatSlots.get(container);
  if (slots === undefined) floatSlots.set(container, (slots = new Map()));
  slots.set(slot, { value, width });
}

/** Forgets a float slot (a later duplicate map key replaced the value). */
export function forgetFloat(container: object, slot: unknown): void {
  floatSlots.get(container)?.delete(slot);
}

/**
 * The float width to write `value` at `container[slot]` with, if that slot still holds the very
 * float it was decoded from; else `undefined` (the value is new and is written as Rails would).
 */
export function floatWidthOf(container: object, slot: unknown, value: unknown): 32 | 64 | undefined {
  const remembered = floatSlots.get(container)?.get(slot);
  return remembered !== undefined && Object.is(remembered.value, value) ? remembered.width : undefined;
}

/** Remembers the key order of a decoded map whose JavaScript key order differs from it. */
export function rememberKeyOrder(object: object, keys: readonly string[]): void {
  keyOrders.set(object, keys);
}

/** The keys of `object` in the order to write them: the decoded order first, then keys added since. */
export function orderedKeys(object: object): string[] {
  const own = Object.keys(object);
  const remembered = keyOrders.get(object);
  if (remembered === undefined) return own;
  const present = new Set(own);
  const out = remembered.filter((k) => present.has(k));
  const seen = new Set(out);
  for (const k of own) if (!seen.has(k)) out.push(k);
  return out;
}

/**
 * Marks a null-prototype object (or Map) as an `ActiveSupport::HashWithIndifferentAccess`, so it is
 * written as extension 17 (activesupport/lib/active_support/message_pack/extensions.rb). Returns it.
 */
export function markHashWithIndifferentAccess<T extends object>(hash: T): T {
  indifferent.add(hash);
  return hash;
}

/** True for a hash decoded from (or marked as) a HashWithIndifferentAccess. */
export function isHashWithIndifferentAccess(value: unknown): boolean {
  return typeof value === "object" && value !== null && indifferent.has(value);
}

/** Marks bytes that came from a MessagePack str holding invalid UTF-8; they are written back as str. */
export function markBrokenString(bytes: Uint8Array): Uint8Array {
  brokenStrings.add(bytes);
  return bytes;
}

/** True for bytes decoded from a str that was not valid UTF-8. */
export function isBrokenString(bytes: Uint8Array): boolean {
  return brokenStrings.has(bytes);
}
