/**
 * Rack's session rules that need nothing of Node, shared by the Node session core (session.ts) and
 * the Hono middleware, which also runs on edge runtimes (rack lib/rack/session/abstract/id.rb).
 */

/** `SecureRandom.hex(16)` (`generate_sid`): 32 lowercase hex characters from Web Crypto's CSPRNG. */
export function generateSessionId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * `session.to_hash.delete_if { |k, v| v.nil? }` (`commit_session`). Without a nil to drop it is
 * the session object itself, which keeps the record of how Ruby wrote each entry.
 */
export function compactSessionData<T extends Record<string, unknown>>(data: T): T {
  const keys = Object.keys(data);
  if (!keys.some((k) => data[k] === null || data[k] === undefined)) return data;
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) if (data[k] !== null && data[k] !== undefined) out[k] = data[k];
  return out as T;
}
