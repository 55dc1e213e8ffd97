/** How a cookie that cannot be read is reported on stderr: `error: <code>: <reason>`, exit 1. */
import type { CookieExplanation } from "../detect.js";
import { EXIT_UNREADABLE, type Io } from "./io.js";

export function reportFailure(e: CookieExplanation, io: Io): number {
  const p = io.paintErr;
  io.err(`${p.bad("error:")} ${p.bold(e.code)}: ${e.reason}\n`);
  if (e.code !== "bad_format" && e.tried.length > 0) io.err(p.dim(`(rails-cookie explain lists the ${e.tried.length === 1 ? "configuration" : `${e.tried.length} configurations`} tried)\n`));
  return EXIT_UNREADABLE;
}
