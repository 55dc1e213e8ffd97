/**
 * `rails-cookie explain`: why a cookie does not decode, in the most specific true terms
 * (`explainCookie`), with every configuration tried. Exit 1 when it does not decode, 0 when it does.
 */
import { HELP } from "./help.js";
import { EXIT_OK, EXIT_UNREADABLE, type Io } from "./io.js";
import { flagsFor, shellJoin } from "./options.js";
import { toJson } from "./output.js";
import { readCookie } from "./read.js";

export async function explain(argv: string[], io: Io): Promise<number> {
  const read = await readCookie(argv, io, { json: { type: "boolean" } });
  if (read === "help") {
    io.out(HELP["explain"]! + "\n");
    return EXIT_OK;
  }
  const { result, secrets, values } = read;
  const p = io.paint;
  if (values["json"]) {
    const body = result.ok
      ? { ok: true, description: result.description, kind: result.kind, name: result.name, flags: flagsFor(result.options), secret: secrets.source }
      : { ...result, found: result.found && { ...result.found, ...(result.found.expiredAt ? { expiredAt: result.found.expiredAt.toISOString() } : {}) }, secret: secrets.source };
    io.out(toJson(body) + "\n");
  } else if (result.ok) {
    io.out(`${p.good("decodes")}: ${result.description}\n`);
    io.out(`${p.key("pin it with")}: ${shellJoin(flagsFor(result.options))}\n`);
  } else {
    io.out(`${p.bad(result.code)}: ${result.reason}\n`);
    const f = result.found;
    if (f) {
      const facts = [
        f.protection && `protection ${f.protection}`,
        f.purpose && `purpose ${f.purpose}`,
        f.expiredAt && `expired at ${f.expiredAt.toISOString()}`,
        f.serializer && f.serializer !== "unknown" && `payload ${f.serializer}`,
      ].filter(Boolean);
      if (facts.length) io.out(`${p.key("found")}: ${facts.join(", ")}\n`);
    }
    if (result.tried.length) io.out(`${p.key("tried")} (secret from ${secrets.source}):\n${result.tried.map((t) => `  - ${t}\n`).join("")}`);
  }
  if (result.ok) return EXIT_OK;
  io.err(`${io.paintErr.bad("error:")} ${result.code}\n`);
  return EXIT_UNREADABLE;
}
