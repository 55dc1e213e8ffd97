/**
 * The activerecord-session_store versions whose rows differ:
 * - 2.0.0 and 2.1.0 write `:json` through MultiJson, which (with ActiveSupport loaded) encodes like
 *   `ActiveSupport::JSON` (`<` as `\u003c` …); 2.2.0 switched to Ruby's `JSON.dump` (no escaping).
 * - before 2.3.0 every loaded session is saved (a row changes when its text does); 2.3.0 saves only
 *   a session that differs from what was loaded (lib/active_record/session_store/session.rb `data=`).
 */
import { InvalidOptionError } from "../../errors.js";

export type GemVersion = "2.0.0" | "2.1.0" | "2.2.0" | "2.3.0";

export function parseGemVersion(version: string): GemVersion {
  const m = /^2\.([0-3])(?:\.\d+)?$/.exec(version);
  if (!m) throw new InvalidOptionError(`gemVersion must be one of 2.0.0, 2.1.0, 2.2.0, 2.3.0 (got ${JSON.stringify(version)})`);
  return `2.${m[1]}.0` as GemVersion;
}

/** MultiJson (2.0.0, 2.1.0) rather than `JSON.dump` (2.2.0+). */
export function writesMultiJson(gemVersion: GemVersion): boolean {
  return gemVersion === "2.0.0" || gemVersion === "2.1.0";
}
