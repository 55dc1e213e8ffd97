/**
 * What `decode`, `inspect` and `explain` share: take the cookie from the arguments (or stdin),
 * find the secret, and run `explainCookie` with the flags given; everything else is detected.
 */
import { explainCookie, type DetectOptions, type ExplainResult } from "../detect.js";
import { findCookie, type CookieInput } from "./input.js";
import { parse, settingsFrom, UsageError, type Parsed } from "./options.js";
import { resolveSecrets, type Secrets } from "./secrets.js";
import type { Io } from "./io.js";

export interface ReadResult {
  result: ExplainResult;
  input: CookieInput;
  secrets: Secrets;
  values: Parsed["values"];
}

/** Reads a cookie as the command line asks. Throws `UsageError` or a `RailsCookieError` (credentials). */
export async function readCookie(argv: string[], io: Io, extra: Parameters<typeof parse>[1] = {}): Promise<ReadResult | "help"> {
  const { values, positionals } = parse(argv, extra);
  if (values["help"]) return "help";
  if (positionals.length === 0) throw new UsageError("no cookie given (pass it as the last argument, or - for stdin)");
  if (positionals.length > 1) {
    throw new UsageError(`expected one cookie, got ${positionals.length} arguments (quote the cookie: cookie headers contain ; and spaces)`);
  }
  const settings = settingsFrom(values);
  const text = positionals[0] === "-" ? await io.readStdin() : positionals[0]!;
  const input = findCookie(text, settings.name);
  const secrets = resolveSecrets(values, io.env);
  const options: DetectOptions = {
    ...settings,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(secrets.secretKeyBase !== undefined ? { secretKeyBase: secrets.secretKeyBase } : {}),
    ...(secrets.secretToken !== undefined ? { secretToken: secrets.secretToken } : {}),
  };
  return { result: explainCookie(input.value, options), input, secrets, values };
}
