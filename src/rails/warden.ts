/**
 * Devise / Warden sign-in state inside a Rails session (spec §2).
 *
 * Warden keeps the signed-in record of each scope under `"warden.user.<scope>.key"`
 * (wardencommunity/warden `lib/warden/session_serializer.rb#key_for`). Devise stores there
 * `[record.to_key, record.authenticatable_salt]` (heartcombo/devise
 * `lib/devise/models/authenticatable.rb#serialize_into_session`), e.g. `[[1], "$2a$12$abcdefghijklmnopqrstuv"]`:
 * `to_key` is the primary key as an Array, the salt is the first 29 characters of the bcrypt
 * `encrypted_password` (`database_authenticatable.rb#authenticatable_salt`) or nil.
 *
 * Devise only trusts the key when the record's current salt equals the stored one
 * (`serialize_from_session`), so changing a password signs out every session. A Node app reading
 * `wardenUser` must do the same check against its database before trusting the id.
 */
import { InvalidOptionError, PayloadError } from "../errors.js";

/** A Rails session as `session.to_hash` gives it: String keys, a null-prototype object. */
type Session = Record<string, unknown>;

/** What Devise stored for a scope. */
export interface WardenUser {
  /** The record's id: the first element of `to_key` (a number, bigint or String). */
  id: unknown;
  /** The whole `to_key` Array (more than one element only for composite primary keys). */
  key: unknown[];
  /** `authenticatable_salt` (bcrypt hash prefix), or null when the model has none. */
  salt: string | null;
}

/** `Warden::SessionSerializer#key_for(scope)`. */
export function wardenKeyFor(scope: string): string {
  checkScope(scope);
  return `warden.user.${scope}.key`;
}

/** The per-scope Warden session Hash (`Warden::Proxy#session`), where Devise's timeoutable keeps `last_request_at`. */
export function wardenSessionKeyFor(scope: string): string {
  checkScope(scope);
  return `warden.user.${scope}.session`;
}

/**
 * The user Devise signed in for `scope`, or null when nobody is. Throws `PayloadError` when the
 * key is present but not Devise's `[[id, …], salt]` shape (Devise would then find no record and
 * Warden would drop the key, i.e. signed out; we say why instead of guessing).
 */
export function wardenUser(session: Session, scope = "user"): WardenUser | null {
  const value = session[wardenKeyFor(scope)];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length !== 2) {
    throw new PayloadError(`session["${wardenKeyFor(scope)}"] is not Devise's [to_key, salt] pair`);
  }
  const [key, salt] = value as [unknown, unknown];
  if (!Array.isArray(key) || key.length === 0) {
    throw new PayloadError(`session["${wardenKeyFor(scope)}"][0] is not a non-empty to_key Array`);
  }
  if (salt !== null && typeof salt !== "string") {
    throw new PayloadError(`session["${wardenKeyFor(scope)}"][1] (authenticatable_salt) is not a String or nil`);
  }
  return { id: key[0], key: [...key], salt };
}

/**
 * Signs a user in the way Devise's `sign_in` leaves the session: `session["warden.user.<scope>.key"] =
 * [to_key, salt]`. `id` may be a single id or the whole `to_key` Array. Pass the first 29 characters
 * of the user's bcrypt hash as `salt` (what `authenticatable_salt` returns), or null.
 *
 * Devise also asks Rack to renew the session id on sign-in (`Warden::Proxy#set_user`, `renew`), to
 * prevent session fixation: a Node app signing users in should issue a fresh `session_id` too.
 */
export function setWardenUser(session: Session, scope: string, id: unknown, salt: string | null): void {
  if (id === undefined || id === null) throw new InvalidOptionError("a Devise user id cannot be nil");
  if (salt !== null && typeof salt !== "string") throw new InvalidOptionError("salt must be a String or null");
  const key = Array.isArray(id) ? [...(id as unknown[])] : [id];
  if (key.length === 0) throw new InvalidOptionError("to_key cannot be empty");
  session[wardenKeyFor(scope)] = [key, salt];
}

/**
 * Signs a scope out like `Warden::Proxy#logout(scope)` (what Devise's `sign_out` calls): deletes
 * `warden.user.<scope>.key` and `warden.user.<scope>.session`. Returns whether someone was signed in.
 */
export function clearWardenUser(session: Session, scope = "user"): boolean {
  const key = wardenKeyFor(scope);
  const was = session[key] !== undefined && session[key] !== null;
  delete session[key];
  delete session[wardenSessionKeyFor(scope)];
  return was;
}

function checkScope(scope: string): void {
  if (typeof scope !== "string" || scope === "") throw new InvalidOptionError("Warden scope must be a non-empty String");
}
