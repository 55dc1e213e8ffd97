/**
 * Cookie-string layer: the URL escaping Rack applies to cookie values, and `Cookie` header parsing.
 *
 * Rack writes `escape(name)=escape(value)` where `escape` is Ruby's
 * `URI.encode_www_form_component` (rack lib/rack/utils.rb `escape`, `set_cookie_header`): it keeps
 * `A-Z a-z 0-9 * - . _`, turns a space into `+` and every other byte into `%XX` (upper-case hex).
 * It reads with `Rack::Utils.unescape` (`%XX` → byte, `+` → space; see `unescapeCookieValue`).
 */

import { latin1String, utf8Bytes } from "../bytes/index.js";

const KEEP = /^[A-Za-z0-9*\-._]*$/;

/** `URI.encode_www_form_component`: the form Rack puts in `Set-Cookie`. */
export function escapeCookieValue(value: string): string {
  if (KEEP.test(value)) return value;
  let out = "";
  for (const byte of utf8Bytes(value)) {
    const c = String.fromCharCode(byte);
    if (byte < 0x80 && /[A-Za-z0-9*\-._]/.test(c)) out += c;
    else if (byte === 0x20) out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * Undoes Rack's escaping of a cookie value: `%XX` → byte.
 *
 * Unlike `Rack::Utils.unescape` a `+` stays a `+`: values arrive both escaped (from a `Cookie`
 * header) and unescaped (pasted from a log or a Rails console), base64 is full of `+`, and no Rails
 * cookie value ever contains a space, so reading `+` as a space could only break a valid cookie.
 * Malformed `%` sequences are kept as they are; the cookie then fails verification.
 */
export function unescapeCookieValue(value: string): string {
  const first = value.indexOf("%");
  if (first === -1) return value;
  const sealed = unescapeSealed(value, first);
  if (sealed !== null) return sealed;
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid UTF-8, or a bare `%`: decode byte-wise, leaving bad sequences as they are.
    const bytes: number[] = [];
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) === 0x25 && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
        bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        for (const b of utf8Bytes(value[i]!)) bytes.push(b);
      }
    }
    return latin1String(Uint8Array.from(bytes));
  }
}

/**
 * The escapes Rack puts in a sealed Rails cookie (base64 and `--`): `%3D` `%2F` `%2B`, which
 * `decodeURIComponent` turns into `=` `/` `+`. Undone by hand, three times as fast as
 * `decodeURIComponent` on a session cookie (docs/bench.md); null at the first other escape, for
 * the general path.
 */
function unescapeSealed(value: string, first: number): string | null {
  let out = "";
  let last = 0;
  for (let i = first; i !== -1; i = value.indexOf("%", i + 3)) {
    const a = value.charCodeAt(i + 1);
    const b = value.charCodeAt(i + 2) | 0x20; // lower-case hex letter
    let c: string;
    if (a === 0x33 && b === 0x64) c = "=";
    else if (a === 0x32 && b === 0x66) c = "/";
    else if (a === 0x32 && b === 0x62) c = "+";
    else return null;
    out += value.slice(last, i) + c;
    last = i + 3;
  }
  return out + value.slice(last);
}

/**
 * Parses a `Cookie` request header into name → raw (still escaped) value. Like Rack ≥ 2.2
 * (`Rack::Utils.parse_cookies_header`) it splits on `;` only, and the first occurrence of a name wins.
 */
export function parseCookieHeader(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = unescapeCookieValue(part.slice(0, eq).trim());
    if (name === "" || cookies.has(name)) continue;
    cookies.set(name, cookieValueOfPart(part, eq));
  }
  return cookies;
}

/**
 * `parseCookieHeader(header).get(name)` without building the Map: what a session store needs on
 * every request (one cookie out of the header). The first occurrence of the name wins, as there.
 */
export function findCookie(header: string, name: string): string | undefined {
  let start = 0;
  while (start <= header.length) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    const eq = header.indexOf("=", start);
    if (eq !== -1 && eq < end) {
      const part = header.slice(start, end);
      if (unescapeCookieValue(part.slice(0, eq - start).trim()) === name) return cookieValueOfPart(part, eq - start);
    }
    start = end + 1;
  }
  return undefined;
}

function cookieValueOfPart(part: string, eq: number): string {
  const value = part.slice(eq + 1).trim();
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
