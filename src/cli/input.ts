/**
 * Finding the cookie in what a developer pasted: a bare value (escaped or not), `name=value`,
 * a whole `Cookie:` request header, a `Set-Cookie:` response line, or several such lines (the
 * headers of `curl -i`).
 *
 * A bare value is recognised first: base64 padding puts `=` inside cookie values, so reading
 * `abc==--…` as `name=value` would cut it. Headers are split on `;` like Rack ≥ 2.2
 * (`Rack::Utils.parse_cookies_header`, via `parseCookieHeader`); the first occurrence of a name wins.
 */
import type { Readable } from "node:stream";
import { parseCookieHeader, unescapeCookieValue } from "../cookie/escape.js";
import { cookieShape } from "../detect.js";
import { UsageError } from "./options.js";

export interface CookieInput {
  /** The cookie value, still as the header carried it (maybe URL-escaped). */
  value: string;
  /** The cookie's name when the input named it. */
  name?: string;
}

/** Set-Cookie attributes (RFC 6265 §5.2, plus SameSite/Partitioned/Priority): never cookie names. */
const ATTRIBUTES = new Set(["path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "partitioned", "priority"]);

/** Picks the cookie out of `text`; `wanted` is `--name`. Throws `UsageError` when it cannot tell which. */
export function findCookie(text: string, wanted?: string): CookieInput {
  const trimmed = text.trim().replace(/^"(.*)"$/s, "$1");
  if (trimmed === "") throw new UsageError("no cookie given");

  // A bare value: any shape Rails writes (or nothing that looks like a header at all).
  if (!/[=;\n]/.test(trimmed) || cookieShape(unescapeCookieValue(trimmed)).shape !== "unknown") {
    return wanted === undefined ? { value: trimmed } : { value: trimmed, name: wanted };
  }

  const cookies = new Map<string, string>();
  for (const rawLine of trimmed.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (line === "") continue;
    const header = /^(set-cookie|cookie)\s*:\s*/i.exec(line);
    if (header) line = line.slice(header[0].length);
    else if (/^[A-Za-z-]+:\s/.test(line) || /^HTTP\/\d/.test(line)) continue; // other headers of `curl -i`
    const isSetCookie = header?.[1]?.toLowerCase() === "set-cookie" || /;\s*(path|domain|expires|max-age|samesite|secure|httponly)\b/i.test(line);
    // A Set-Cookie line carries one cookie: the first pair; the rest are attributes.
    const pairs = parseCookieHeader(isSetCookie ? line.split(";")[0]! : line);
    for (const [name, value] of pairs) {
      if (ATTRIBUTES.has(name.toLowerCase()) && cookies.size > 0) continue;
      if (!cookies.has(name)) cookies.set(name, value);
    }
  }
  if (cookies.size === 0) {
    // Nothing header-like either: let detection say what the string is.
    return wanted === undefined ? { value: trimmed } : { value: trimmed, name: wanted };
  }
  const names = [...cookies.keys()];
  const list = names.map((n) => JSON.stringify(n)).join(", ");
  if (wanted !== undefined) {
    const value = cookies.get(wanted);
    if (value === undefined) throw new UsageError(`no cookie named ${JSON.stringify(wanted)} in the input (found ${list})`);
    return { value, name: wanted };
  }
  if (names.length === 1) return { value: cookies.get(names[0]!)!, name: names[0]! };
  const sessions = names.filter((n) => n.endsWith("_session"));
  if (sessions.length === 1) return { value: cookies.get(sessions[0]!)!, name: sessions[0]! };
  throw new UsageError(`the input holds ${names.length} cookies (${list}); choose one with --name`);
}

/** The most of stdin a command reads: a cookie header is a few KB, a session value to encode at most 4 KB. */
export const MAX_STDIN_BYTES = 1_000_000;

/**
 * All of `stream` (stdin, for `-`) as UTF-8 text, or `UsageError` once it passes `maxBytes`: then
 * reading stops (the stream is paused and destroyed) instead of buffering a runaway pipe until
 * memory runs out (`head -c 600M /dev/zero | rails-cookie decode -`).
 */
export function readStdin(stream: Readable, maxBytes = MAX_STDIN_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error: Error | null, text?: string): void => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      if (error) reject(error);
      else resolve(text!);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      size += bytes.length;
      if (size > maxBytes) {
        stream.pause();
        stream.destroy();
        done(new UsageError(`stdin is larger than ${maxBytes / 1_000_000} MB: not a cookie`));
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = (): void => done(null, Buffer.concat(chunks).toString("utf8"));
    const onError = (error: Error): void => done(error);
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
  });
}
