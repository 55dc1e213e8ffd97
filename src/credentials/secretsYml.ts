/**
 * `config/secrets.yml` (Rails 4.1 – 7.1; the only source in 4.2 – 5.1), as `Rails::Secrets.parse`
 * reads it (railties/lib/rails/secrets.rb, v6.1.7.10): render ERB, load YAML, then merge the
 * `shared` section and the section of the environment.
 *
 * We do not run Ruby, so only the ERB that generated apps use is understood:
 * `<%= ENV["NAME"] %>`, `<%= ENV['NAME'] %>`, `<%= ENV.fetch("NAME") %>`,
 * `<%= ENV.fetch("NAME", "default") %>`, `<%= ENV["NAME"] || "default" %>` and `<%# comments %>`.
 * Any other ERB is a `CredentialsError` naming the tag's line, never a guess.
 */
import { CredentialsError } from "../errors.js";
import { parseCredentials, type Credentials } from "./encryptedConfiguration.js";

const STR = String.raw`(?:"([^"\\]*)"|'([^'\\]*)')`;
const ENV_INDEX = new RegExp(String.raw`^ENV\[\s*${STR}\s*\](?:\s*\|\|\s*${STR})?$`);
const ENV_FETCH = new RegExp(String.raw`^ENV\.fetch\(\s*${STR}\s*(?:,\s*${STR}\s*)?\)$`);

/** Renders the simple `ENV` ERB tags of a secrets.yml. */
export function renderSecretsErb(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/<%(=|#|-)?([\s\S]*?)-?%>/g, (_tag, kind: string | undefined, code: string, offset: number) => {
    if (kind === "#") return "";
    const line = text.slice(0, offset).split("\n").length;
    if (kind !== "=") throw new CredentialsError(`config/secrets.yml line ${line}: only <%= ENV[...] %> ERB is supported`);
    const expr = code.trim();
    let m = ENV_INDEX.exec(expr);
    if (m) {
      const value = env[(m[1] ?? m[2])!];
      // Ruby `ENV["X"] || "d"`: an empty String is truthy, only a missing variable falls back.
      return value ?? m[3] ?? m[4] ?? "";
    }
    m = ENV_FETCH.exec(expr);
    if (m) {
      const value = env[(m[1] ?? m[2])!] ?? m[3] ?? m[4];
      if (value === undefined) throw new CredentialsError(`config/secrets.yml line ${line}: ENV.fetch of an unset variable (KeyError)`);
      return value;
    }
    throw new CredentialsError(`config/secrets.yml line ${line}: ERB other than ENV["NAME"] is not supported`);
  });
}

/** `Rails::Secrets.parse([path], env:)` for one file's text: `shared` merged with the environment's section. */
export function parseSecretsYml(text: string, environment: string, env: Record<string, string | undefined>): Credentials {
  const all = parseCredentials(renderSecretsErb(text, env));
  const out = Object.create(null) as Credentials;
  for (const section of [all["shared"], all[environment]]) {
    if (section === undefined || section === null) continue;
    if (typeof section !== "object" || Array.isArray(section)) {
      throw new CredentialsError("config/secrets.yml: a section is not a mapping");
    }
    Object.assign(out, section);
  }
  return out;
}
