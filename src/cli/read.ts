/**
 * What `decode`, `inspect` and `explain` share: take the cookie from the arguments (or stdin),
 * find the secret, and run `explainCookie` with the flags given; everything else is detected.
 */
import { statSync } from "node:fs";
import { readSecretFile } from "../credentials/secretFile.js";
import { CredentialsError } from "../errors.js";
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
  const text = await cookieText(positionals[0]!, io);
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

/**
 * The text holding the cookie: `-` reads stdin, `@path` reads a file (curl's convention). A path
 * given bare is almost always a mistake (the cookie is expected), so it gets a hint, not a
 * `bad_format` about a string that was never a cookie.
 */
async function cookieText(arg: string, io: Io): Promise<string> {
  if (arg === "-") return io.readStdin();
  if (arg.startsWith("@") && arg.length > 1) return readCookieFile(arg.slice(1));
  if (/^[^=;\s]+$/.test(arg) && isRegularFile(arg)) {
    throw new UsageError(`${JSON.stringify(arg)} is a file, not a cookie: pass its content with \`- < ${arg}\` or \`@${arg}\``);
  }
  return arg;
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `@file`: read like a secret file (a regular file only, at most 1 MiB: a FIFO or device never blocks). */
function readCookieFile(path: string): string {
  let bytes: Uint8Array | null;
  try {
    bytes = readSecretFile(path, `@${path}`);
  } catch (error) {
    if (error instanceof CredentialsError) throw new UsageError(error.message);
    throw error;
  }
  if (bytes === null) throw new UsageError(`@${path}: no such file`);
  return new TextDecoder().decode(bytes);
}
