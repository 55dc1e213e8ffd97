/**
 * `ActiveSupport::EncryptedFile#read`: the plaintext of `config/credentials.yml.enc` (and of
 * `config/credentials/<env>.yml.enc`, and of 5.1's `config/secrets.yml.enc`).
 *
 * Rails source: `activesupport/lib/active_support/encrypted_file.rb` (read at v6.1.7.10, v7.1.6,
 * v8.0.5; unchanged in what matters here):
 *
 *     CIPHER = "aes-128-gcm"
 *     encryptor = MessageEncryptor.new([key].pack("H*"), cipher: CIPHER, serializer: Marshal)
 *     read  → encryptor.decrypt_and_verify(content)      # content: b64(ct)--b64(iv)--b64(tag)
 *
 * The key is the 32 hex characters of `config/master.key` (or `ENV["RAILS_MASTER_KEY"]`) packed
 * to 16 bytes; the plaintext is `Marshal.dump` of the YAML text, a Ruby String.
 */
import { CredentialsError, RailsCookieError } from "../errors.js";
import { decryptGcm } from "../crypto/messageEncryptor.js";
import { load } from "../marshal/index.js";

/** `EncryptedFile::CIPHER`. */
export const ENCRYPTED_FILE_CIPHER = "aes-128-gcm";

/** `EncryptedFile.expected_key_length`: `SecureRandom.hex(key_len("aes-128-gcm"))` is 32 characters. */
export const MASTER_KEY_LENGTH = 32;

/** Larger than any credentials file a person edits; refused before decrypting. */
const MAX_ENCRYPTED_LENGTH = 4 * 1024 * 1024;

/**
 * Decrypts the contents of an encrypted credentials file with its master key (hex) and returns the
 * plaintext YAML. Throws `CredentialsError` for a malformed key, a malformed file, a wrong key or
 * tampered bytes (the GCM tag does not match), or a payload that is not a Marshal String.
 *
 * Surrounding whitespace is ignored in both: Rails strips the key file (`read_key_file`) and, from
 * 8.0, the encrypted file (`content_path.binread.strip`).
 */
export function decryptEncryptedFile(encrypted: string, masterKeyHex: string): string {
  if (typeof encrypted !== "string" || typeof masterKeyHex !== "string") {
    throw new CredentialsError("encrypted contents and master key must be Strings");
  }
  const keyHex = masterKeyHex.trim();
  if (!/^[0-9a-fA-F]*$/.test(keyHex) || keyHex.length !== MASTER_KEY_LENGTH) {
    // Rails' `InvalidKeyLengthError` wording; never echo the key itself.
    throw new CredentialsError(`Encryption key must be exactly ${MASTER_KEY_LENGTH} hex characters.`);
  }
  const content = encrypted.trim();
  if (content.length > MAX_ENCRYPTED_LENGTH) throw new CredentialsError("encrypted file is too large");

  let plaintext: Uint8Array;
  try {
    plaintext = decryptGcm(content, { cipher: ENCRYPTED_FILE_CIPHER, secret: Buffer.from(keyHex, "hex") });
  } catch (cause) {
    if (cause instanceof RailsCookieError && cause.code === "bad_tag") {
      throw new CredentialsError("cannot decrypt credentials: wrong master key or tampered file", { cause });
    }
    throw new CredentialsError("not an encrypted credentials file (ciphertext--iv--tag, base64)", { cause });
  }

  let value: unknown;
  try {
    value = load(plaintext);
  } catch (cause) {
    throw new CredentialsError("decrypted credentials are not Marshal data", { cause });
  }
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) {
    // A String Marshal wrote without an encoding (ASCII-8BIT): YAML text must still be UTF-8.
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch (cause) {
      throw new CredentialsError("decrypted credentials are not UTF-8 text", { cause });
    }
  }
  throw new CredentialsError("decrypted credentials are not a Marshal String");
}
