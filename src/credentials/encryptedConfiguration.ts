/**
 * `ActiveSupport::EncryptedConfiguration#config`: the decrypted credentials YAML as a Hash.
 *
 * Rails source: `activesupport/lib/active_support/encrypted_configuration.rb` (v6.1.7.10, v7.1.6,
 * v8.0.5): `YAML.load(content).presence || {}` (7.1+: `YAML.unsafe_load`), then
 * `deep_symbolize_keys`. Ruby's Psych speaks YAML 1.1, so we parse as 1.1 too (`yes`/`no` are
 * booleans, `<<` merges) and, like Psych, read only the first document.
 */
import { parseAllDocuments } from "yaml";
import { CredentialsError } from "../errors.js";

/** Credentials by String key (Rails symbolizes them; `credentials.secret_key_base`), null-prototype objects all the way down. */
export type Credentials = Record<string, unknown>;

/** Parses credentials YAML. Throws `CredentialsError` for invalid YAML or a top level that is not a mapping. */
export function parseCredentials(yamlText: string): Credentials {
  if (typeof yamlText !== "string") throw new CredentialsError("credentials YAML must be a String");
  let docs;
  try {
    docs = parseAllDocuments(yamlText, { version: "1.1", merge: true, uniqueKeys: false, prettyErrors: false });
  } catch (cause) {
    throw new CredentialsError("Invalid YAML in credentials", { cause });
  }
  const list = Array.isArray(docs) ? docs : [];
  const first = list[0];
  if (!first) return Object.create(null) as Credentials; // empty file: `.presence || {}`
  if (first.errors.length > 0) {
    // Rails 7.1+ `InvalidContentError`: "Invalid YAML in '<path>'." Line/column only, never the text.
    const e = first.errors[0]!;
    throw new CredentialsError(`Invalid YAML in credentials (line ${e.linePos?.[0]?.line ?? "?"})`, { cause: e });
  }
  let value: unknown;
  try {
    value = first.toJS({ mapAsMap: true, maxAliasCount: 10_000 });
  } catch (cause) {
    throw new CredentialsError("Invalid YAML in credentials", { cause });
  }
  if (value === null || value === undefined || value === false || value === "") return Object.create(null) as Credentials;
  if (!(value instanceof Map)) throw new CredentialsError("credentials YAML is not a mapping at the top level");
  return toHash(value, 0) as Credentials;
}

/**
 * `credentials.secret_key_base`, validated like `Application#validate_secret_key_base`: a present
 * String, else null when absent. Throws `CredentialsError` when it is there but not a String.
 */
export function secretKeyBaseOf(credentials: Credentials): string | null {
  const value = credentials["secret_key_base"];
  if (value === undefined || value === null || value === false) return null;
  if (typeof value !== "string") throw new CredentialsError("`secret_key_base` must be a type of String");
  return value.trim() === "" ? null : value; // `present?`
}

/** Maps become null-prototype objects with String keys (`deep_symbolize_keys`, keys shown as Strings). */
function toHash(value: unknown, depth: number): unknown {
  if (depth > 64) throw new CredentialsError("credentials YAML nests too deeply");
  if (value instanceof Map) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of value) out[String(k)] = toHash(v, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => toHash(v, depth + 1));
  return value;
}
