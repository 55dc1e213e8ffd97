/** `--help` texts, one per command, each with examples a developer can paste. */

const SECRETS = `Secret (where Rails keeps it):
  --secret-key-base VALUE        the app's secret_key_base
  --app DIR                      read it from a Rails app directory, as that app would:
                                 ENV["SECRET_KEY_BASE"], config/credentials[/ENV].yml.enc
                                 (config/master.key or $RAILS_MASTER_KEY), tmp/local_secret.txt,
                                 tmp/development_secret.txt, config/secrets.yml
  --environment ENV              with --app: Rails.env (default development)
  --secret-token VALUE           a Rails 3 secret_token (apps on Rails 4.2–5.2 that still have one)
  $SECRET_KEY_BASE               used when neither --secret-key-base nor --app is given`;

const SETTINGS = `Rails settings (config/application.rb spelling; anything not given is auto-detected when reading):
  --load-defaults X.Y                          config.load_defaults (4.2 … 8.1)
  --rails-version X.Y                          the Rails the app runs, when newer than load_defaults
  --serializer NAME                            cookies_serializer: json, marshal, hybrid,
                                               json_allow_marshal, message_pack, message_pack_allow_marshal
  --kind session|encrypted|signed              which jar (session = the session cookie)
  --name NAME                                  the cookie name (its purpose is cookie.NAME)
  --use-authenticated-cookie-encryption BOOL   false = AES-256-CBC + HMAC instead of AES-256-GCM
  --use-cookies-with-metadata BOOL
  --key-generator-hash-digest-class SHA1|SHA256  (OpenSSL::Digest::SHA1 works too)
  --signed-cookie-digest DIGEST                SHA1 (default), SHA256, SHA384, SHA512, MD5
  --cookies-digest DIGEST
  --encrypted-cookie-cipher aes-256-gcm|aes-128-gcm
  --authenticated-encrypted-cookie-salt S, --encrypted-cookie-salt S,
  --encrypted-signed-cookie-salt S, --signed-cookie-salt S
  --now ISO-DATE                               the clock for expiry checks (reproducible runs)`;

const COOKIE = `<cookie> is the value (URL-escaped or not), name=value, a whole "Cookie:" header, one or more
"Set-Cookie:" lines, - to read any of these from stdin, or @file to read them from a file. With
several cookies, --name picks one;
without it, the only cookie or the one ending in _session is taken.`;

const EXIT = `Exit status: 0 done, 1 the cookie cannot be read (reason code on stderr), 2 usage error
(including no secret given or found).
Colour only on a terminal, never with NO_COLOR set.`;

export const HELP: Record<string, string> = {
  main: `rails-cookie: read and write Ruby on Rails session, encrypted and signed cookies.

Usage: rails-cookie <command> [options] <cookie>

Commands:
  decode    print the value of a cookie (JSON; --json adds what was detected)
  inspect   show a cookie for people: format, purpose, expiry, size, value with Ruby types
  explain   say why a cookie does not decode (or how it does)
  encode    write a cookie value Rails accepts
  sessions  list, show, revoke (and trim) server-side sessions in Redis, Memcached or SQL

Examples:
  rails-cookie decode --app ~/src/myapp "_myapp_session=abc...%3D%3D"
  rails-cookie inspect --secret-key-base "$SECRET_KEY_BASE" "_myapp_session=abc...%3D%3D"
  pbpaste | rails-cookie explain --app ~/src/myapp --environment production -
  rails-cookie encode --load-defaults 7.1 --name _myapp_session --json '{"user_id":42}'

Run rails-cookie <command> --help for each command's options.`,

  decode: `Usage: rails-cookie decode [options] <cookie>

Prints what Rails' cookies.encrypted[name] / cookies.signed[name] / session returns, as JSON.
With --json, prints one JSON object {"value": ..., "detected": {...}} instead. Big integers keep
every digit; Ruby Symbols are their names, Times ISO-8601 with microseconds, binary strings
{"$binary": base64}, Ranges "1..10".

${COOKIE}

${SECRETS}

${SETTINGS}

Output:
  --json                         {"value": ..., "detected": {kind, name, description, options, ...}}

Examples:
  rails-cookie decode --app ~/src/myapp - < cookie.txt
  rails-cookie decode --app ~/src/myapp @cookie.txt
  rails-cookie decode --secret-key-base "$SKB" --load-defaults 7.0 --name remember "remember=...--...%3D%3D"
  curl -si https://example.test/login | rails-cookie decode --app . --json -

${EXIT}`,

  inspect: `Usage: rails-cookie inspect [options] <cookie>

Shows a cookie for people: the detected format and the flags that pin it, purpose, expiry (and
whether it has expired), size against Rails' 4096-byte limit, and the value with Ruby types
(:symbol, 2024-02-29 12:30:45.123456 UTC, 1..10, binary as hex and base64).

${COOKIE}

${SECRETS}

${SETTINGS}

Examples:
  rails-cookie inspect --app ~/src/myapp - < cookie.txt
  rails-cookie inspect --secret-key-base "$SKB" --name _myapp_session "Cookie: a=1; _myapp_session=..."

${EXIT}`,

  explain: `Usage: rails-cookie explain [options] <cookie>

When a cookie does not decode, gives the most specific true reason, with its code:
  bad_format       not a Rails cookie shape (says which shapes it resembles)
  bad_tag          AES-GCM authentication failed: wrong secret_key_base, salts, or a changed cookie
  bad_signature    HMAC check failed (signed and AES-CBC cookies), same causes
  wrong_purpose    the cookie was copied from another cookie name (names the purpose found)
  expired          the envelope's expiry has passed (says when)
  unsupported_serializer  the payload is in a serialization the configured serializer refuses
and lists every configuration tried. When it does decode, says how, and exits 0.

${COOKIE}

${SECRETS}

${SETTINGS}

Output:
  --json                         one JSON object: {"ok": false, "code", "reason", "tried", "found"}

Examples:
  rails-cookie explain --secret-key-base "$SKB" "$COOKIE"
  rails-cookie explain --app . --name remember --now 2030-01-01T00:00:00Z "$COOKIE"

${EXIT}`,

  encode: `Usage: rails-cookie encode --load-defaults X.Y --name NAME [options] --json '<value>'
       rails-cookie encode --load-defaults X.Y --name NAME [options] --json - < value.json

Prints the cookie value exactly as Rails puts it in Set-Cookie (URL-escaped), written the way an
app with these settings writes it. Writing never guesses: --load-defaults (the app's
config.load_defaults) and --name are required; every other setting defaults as that
load_defaults does. The value is JSON (big integers kept exact).

  --json VALUE | -               the value, as JSON (- reads it from stdin)
  --expires ISO-DATE|SECONDS     server-side expiry put in the envelope (Rails' expires: option)
  --kind session|encrypted|signed  default: session for a name ending in _session, else encrypted

${SECRETS}

${SETTINGS}

Examples:
  rails-cookie encode --app . --load-defaults 7.1 --name _myapp_session --json '{"user_id":42}'
  rails-cookie encode --secret-key-base "$SKB" --load-defaults 6.1 --kind signed --name uid --json 42
  echo '{"cart":[1,2,3]}' | rails-cookie encode --load-defaults 8.0 --name cart --expires 3600 --json -

Exit status: 0 written, 1 the value cannot be written (too large, not serializable), 2 usage error.`,
};
