/**
 * `rails-cookie encode`: a cookie value Rails accepts, written as an app with the given settings
 * writes it (`CookieJar#…set`, escaped as Rack puts it in Set-Cookie).
 *
 * Writing never guesses. Reading can try configurations until one authenticates; a written cookie
 * has no such check until a real app rejects it (silently: an empty session). So `--load-defaults`
 * and `--name` (the purpose is `cookie.<name>`) are required rather than defaulted to the newest.
 */
import { randomBytes } from "node:crypto";
import { CookieJar } from "../jar.js";
import { decodeJson } from "../serializers/json.js";
import { RailsCookieError } from "../errors.js";
import { HELP } from "./help.js";
import { EXIT_OK, EXIT_UNREADABLE, type Io } from "./io.js";
import { parse, parseDate, settingsFrom, UsageError } from "./options.js";
import { resolveSecrets } from "./secrets.js";

export async function encode(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "string" }, expires: { type: "string" } });
  if (values["help"]) {
    io.out(HELP["encode"]! + "\n");
    return EXIT_OK;
  }
  const settings = settingsFrom(values);
  if (settings.loadDefaults === undefined) {
    throw new UsageError("encode needs --load-defaults (the app's config.load_defaults): a cookie written for the wrong settings is silently dropped by Rails, so encode does not guess");
  }
  if (settings.name === undefined) throw new UsageError("encode needs --name (the cookie name; Rails 6.0+ puts cookie.<name> in the cookie as its purpose)");

  let jsonText = typeof values["json"] === "string" ? values["json"] : undefined;
  if (jsonText === undefined && positionals.length === 1 && positionals[0] === "-") jsonText = "-";
  else if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; give the value with --json '<value>' or --json -`);
  if (jsonText === undefined) throw new UsageError("no value: give it as JSON with --json '<value>', or --json - to read it from stdin");
  if (jsonText === "-") jsonText = await io.readStdin();
  let value: unknown;
  try {
    value = decodeJson(jsonText.trim());
  } catch (error) {
    // decodeJson refuses what Ruby's JSON.parse refuses, nesting beyond 100 included: say which.
    const nesting = error instanceof RailsCookieError && /nested/.test(error.message) ? `: ${error.message}` : "";
    throw new UsageError(`the value is not valid JSON${nesting}`);
  }

  let expires: Date | number | undefined;
  const expiresText = values["expires"];
  if (typeof expiresText === "string") {
    expires = /^\d+(\.\d+)?$/.test(expiresText) ? Number(expiresText) : parseDate("expires", expiresText);
  }

  const secrets = resolveSecrets(values, io.env);
  const { name, kind: givenKind, ...jarSettings } = settings;
  const kind = givenKind ?? (name.endsWith("_session") ? "session" : "encrypted");
  try {
    const jar = new CookieJar({
      ...jarSettings,
      ...(secrets.secretKeyBase !== undefined ? { secretKeyBase: secrets.secretKeyBase } : {}),
      ...(secrets.secretToken !== undefined ? { secretToken: secrets.secretToken } : {}),
    });
    const codec = kind === "signed" ? jar.signed : kind === "session" ? jar.session : jar.encrypted;
    if (kind === "session" && value !== null && typeof value === "object" && !Array.isArray(value) && !("session_id" in value)) {
      // Rack's `extract_session_id` looks for "session_id" in the cookie; without one, real Rails
      // (checked with 6.1) loads an empty session. Rails itself always writes one: `generate_sid`,
      // `SecureRandom.hex(16)` (rack lib/rack/session/abstract/id.rb).
      (value as Record<string, unknown>)["session_id"] = randomBytes(16).toString("hex");
      io.err(`note: added "session_id" (Rails reads a session cookie without one as empty)\n`);
    }
    io.out(codec.set(name, value, expires === undefined ? {} : { expires }) + "\n");
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof RailsCookieError)) throw error;
    if (error.code === "invalid_option") throw new UsageError(error.message);
    io.err(`${io.paintErr.bad("error:")} ${error.code}: ${error.message}\n`);
    return EXIT_UNREADABLE;
  }
}
