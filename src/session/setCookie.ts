/**
 * The `Set-Cookie` header value of the session cookie, spelled as Rack 2.2 writes it
 * (rack lib/rack/utils.rb `add_cookie_to_header`): `name=value; domain=…; path=…; expires=…;
 * secure; HttpOnly; SameSite=Lax`, attributes in that order, `expires` as `Time#httpdate`.
 * The shared vectors' `set_cookie` lines (Rails 6.1–8.0 on Rack 2.2) show this exact form.
 */
import { escapeCookieValue } from "../cookie/escape.js";
import { InvalidOptionError } from "../errors.js";

export type SameSite = "Lax" | "Strict" | "None";

export interface SessionCookieOptions {
  domain?: string;
  /** Default `"/"` (Rack session `DEFAULT_OPTIONS[:path]`). */
  path?: string;
  /** Default false; Rails sets it under `force_ssl` or `secure: true`. */
  secure?: boolean;
  /**
   * Default: `"Lax"` when `loadDefaults` is 6.1 or newer (`cookies_same_site_protection = :lax`),
   * otherwise no attribute. `false` writes none.
   */
  sameSite?: SameSite | false;
  /** Default true (Rack session `DEFAULT_OPTIONS[:httponly]`). */
  httpOnly?: boolean;
}

export interface ResolvedCookieOptions {
  domain: string | null;
  path: string;
  secure: boolean;
  sameSite: SameSite | false;
  httpOnly: boolean;
}

// Characters that would end the attribute or the header (RFC 6265 cookie-av, no CTLs).
const ATTRIBUTE = /^[^\x00-\x1f\x7f;]*$/;

export function resolveCookieOptions(options: SessionCookieOptions = {}, loadDefaults: number): ResolvedCookieOptions {
  const path = options.path ?? "/";
  const domain = options.domain ?? null;
  for (const [what, value] of [["path", path], ["domain", domain]] as const) {
    if (value !== null && (typeof value !== "string" || !ATTRIBUTE.test(value))) {
      throw new InvalidOptionError(`cookie ${what} must be a string without ";" or control characters`);
    }
  }
  const sameSite = options.sameSite ?? (loadDefaults >= 6.1 ? "Lax" : false);
  if (sameSite !== false && sameSite !== "Lax" && sameSite !== "Strict" && sameSite !== "None") {
    throw new InvalidOptionError('cookie sameSite must be "Lax", "Strict", "None" or false');
  }
  return { domain, path, secure: options.secure ?? false, sameSite, httpOnly: options.httpOnly ?? true };
}

/** `escape(key)=value` and the attributes; `value` must already be escaped (what `CookieCodec#set` returns). */
export function serializeSetCookie(name: string, value: string, options: ResolvedCookieOptions, expires: Date | null): string {
  let header = `${escapeCookieValue(name)}=${value}`;
  if (options.domain !== null) header += `; domain=${options.domain}`;
  header += `; path=${options.path}`;
  // Date#toUTCString is RFC 7231 IMF-fixdate, the same text as Ruby's Time#httpdate.
  if (expires !== null) header += `; expires=${expires.toUTCString()}`;
  if (options.secure) header += "; secure";
  if (options.httpOnly) header += "; HttpOnly";
  if (options.sameSite !== false) header += `; SameSite=${options.sameSite}`;
  return header;
}
