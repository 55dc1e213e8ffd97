/**
 * `rails-cookie decode`: the value Rails would read, as JSON.
 *
 * stdout carries only the value (or, with --json, exactly one object `{"value", "detected"}`), so
 * it can be piped to jq; everything else goes to stderr.
 */
import type { DetectedCookie } from "../detect.js";
import { HELP } from "./help.js";
import { EXIT_OK, EXIT_UNREADABLE, type Io } from "./io.js";
import { flagsFor, publicOptions } from "./options.js";
import { toJson } from "./output.js";
import { readCookie } from "./read.js";
import { reportFailure } from "./report.js";

/** What was detected, for `--json` (no secrets: only where the secret came from). */
export function detectedJson(d: DetectedCookie, secretSource: string): Record<string, unknown> {
  const s = d.decoded.scheme;
  return {
    kind: d.kind,
    name: d.name,
    description: d.description,
    protection: s.protection,
    keyDerivation: s.keyDerivation,
    source: s.source,
    ...(s.rotationIndex === undefined ? {} : { rotationIndex: s.rotationIndex }),
    serializer: s.serializer,
    enveloped: s.enveloped,
    purpose: d.decoded.purpose,
    expiresAt: d.decoded.expiresAt === null ? null : d.decoded.expiresAt.toISOString(),
    needsRewrite: d.decoded.needsRewrite,
    options: publicOptions(d.options),
    flags: flagsFor(d.options),
    secret: secretSource,
  };
}

export async function decode(argv: string[], io: Io): Promise<number> {
  const read = await readCookie(argv, io, { json: { type: "boolean" } });
  if (read === "help") {
    io.out(HELP["decode"]! + "\n");
    return EXIT_OK;
  }
  const { result, secrets, values } = read;
  if (!result.ok) return reportFailure(result, io);
  if (values["json"]) {
    // One line, one object: `value` first so a reader can stream it.
    io.out(`{"value":${toJson(result.decoded.value)},"detected":${toJson(detectedJson(result, secrets.source))}}\n`);
  } else {
    io.out(toJson(result.decoded.value, 2) + "\n");
  }
  return result.ok ? EXIT_OK : EXIT_UNREADABLE;
}
