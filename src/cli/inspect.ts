/**
 * `rails-cookie inspect`: a cookie for people. Detected format and the flags that pin it, purpose,
 * expiry, size against `ActionDispatch::Cookies::MAX_COOKIE_SIZE` (4096 bytes of the unescaped value;
 * 8.1 also counts the name), and the value with Ruby types shown as Ruby shows them.
 */
import { unescapeCookieValue } from "../cookie/escape.js";
import { MAX_COOKIE_SIZE } from "../jar.js";
import { HELP } from "./help.js";
import { EXIT_OK, type Io } from "./io.js";
import { flagsFor, shellJoin } from "./options.js";
import { rubyInspect } from "./output.js";
import { readCookie } from "./read.js";
import { reportFailure } from "./report.js";

function relative(ms: number): string {
  const abs = Math.abs(ms);
  const units: [number, string][] = [[365.25 * 86400e3, "year"], [86400e3, "day"], [3600e3, "hour"], [60e3, "minute"], [1e3, "second"]];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  return "less than a second";
}

export async function inspect(argv: string[], io: Io): Promise<number> {
  const read = await readCookie(argv, io);
  if (read === "help") {
    io.out(HELP["inspect"]! + "\n");
    return EXIT_OK;
  }
  const { result, input, secrets } = read;
  if (!result.ok) return reportFailure(result, io);
  const p = io.paint;
  const d = result.decoded;
  const line = (label: string, text: string) => io.out(`${p.key(label.padEnd(9))} ${text}\n`);

  const bytes = Buffer.byteLength(unescapeCookieValue(input.value), "latin1");
  const escaped = input.value.length;
  const percent = Math.round((bytes / MAX_COOKIE_SIZE) * 100);
  const now = (result.options.now ?? (() => new Date()))();

  line("cookie", `${result.name} ${p.dim(`(${result.kind})`)}`);
  line("format", result.description);
  line("purpose", d.purpose === null ? p.dim("none") : d.purpose);
  line(
    "expires",
    d.expiresAt === null
      ? "never (no server-side expiry)"
      : `${d.expiresAt.toISOString()} ${p.good(`(in ${relative(d.expiresAt.getTime() - now.getTime())})`)}`,
  );
  line("size", `${bytes} of ${MAX_COOKIE_SIZE} bytes (${percent}%)${escaped !== bytes ? p.dim(`, ${escaped} as escaped in the header`) : ""}${bytes > MAX_COOKIE_SIZE ? p.bad(" over the limit") : ""}`);
  if (d.needsRewrite) line("rewrite", "Rails would write this cookie again in its primary format on the next response");
  line("secret", secrets.source);
  line("pin with", shellJoin(flagsFor(result.options)));
  io.out(`${p.key("value")}\n${rubyInspect(d.value, p)}\n`);
  return EXIT_OK;
}
