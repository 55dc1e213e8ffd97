/**
 * Where the CLI gets the app's secret: from where Rails keeps it.
 *
 *   --secret-key-base VALUE     as given
 *   --app DIR [--environment E] the app's own lookup (src/credentials: ENV["SECRET_KEY_BASE"],
 *                               config/credentials[/E].yml.enc with RAILS_MASTER_KEY or the key
 *                               file, tmp/local_secret.txt, tmp/development_secret.txt, secrets.yml)
 *   $SECRET_KEY_BASE            otherwise
 *
 * Secrets are never printed; only where they came from is.
 */
import { existsSync, statSync } from "node:fs";
import { findSecretKeyBase } from "../credentials/index.js";
import { SecretNotFoundError } from "../errors.js";
import { UsageError, type Parsed } from "./options.js";

export interface Secrets {
  secretKeyBase?: string;
  secretToken?: string;
  /** Where the secret_key_base came from, for people: `--secret-key-base`, `config/credentials.yml.enc (key: …)`. */
  source: string;
}

/** Resolves the secrets; throws `UsageError` when none is given or found, `CredentialsError` when a source is broken. */
export function resolveSecrets(values: Parsed["values"], env: Record<string, string | undefined>): Secrets {
  const flag = values["secret-key-base"];
  const token = typeof values["secret-token"] === "string" ? values["secret-token"] : undefined;
  const app = values["app"];
  const environment = typeof values["environment"] === "string" ? values["environment"] : undefined;
  if (environment !== undefined && typeof app !== "string") throw new UsageError("--environment needs --app DIR");

  if (typeof flag === "string") {
    if (flag === "") throw new UsageError("--secret-key-base is empty");
    return { secretKeyBase: flag, ...(token ? { secretToken: token } : {}), source: "--secret-key-base" };
  }
  if (typeof app === "string") {
    if (!existsSync(app) || !statSync(app).isDirectory()) throw new UsageError(`--app ${JSON.stringify(app)} is not a directory`);
    const railsVersion = typeof values["rails-version"] === "string" ? values["rails-version"] : undefined;
    let found;
    try {
      found = findSecretKeyBase({ appDir: app, environment: environment ?? "development", env, ...(railsVersion ? { railsVersion } : {}) });
    } catch (error) {
      // No secret anywhere is the same mistake with or without --app: a usage error (exit 2). A
      // source that is there but broken (wrong master key, bad YAML) stays a CredentialsError (exit 1).
      if (error instanceof SecretNotFoundError) throw new UsageError(`no secret in --app ${JSON.stringify(app)}: ${error.message}; pass --secret-key-base or set SECRET_KEY_BASE`);
      throw error;
    }
    return { secretKeyBase: found.secretKeyBase, ...(token ? { secretToken: token } : {}), source: `${app}: ${found.source}` };
  }
  const fromEnv = env["SECRET_KEY_BASE"];
  if (fromEnv !== undefined && fromEnv !== "") {
    return { secretKeyBase: fromEnv, ...(token ? { secretToken: token } : {}), source: "$SECRET_KEY_BASE" };
  }
  if (token) return { secretToken: token, source: "--secret-token" };
  throw new UsageError("no secret: pass --secret-key-base, set SECRET_KEY_BASE, or point --app at the Rails app directory");
}
