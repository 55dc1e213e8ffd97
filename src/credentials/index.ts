/**
 * Rails secrets and credentials: decrypt `config/credentials*.yml.enc`, parse the YAML, and find
 * the app's `secret_key_base` the way its Rails version does (spec §1.1).
 */
export { decryptEncryptedFile, ENCRYPTED_FILE_CIPHER, MASTER_KEY_LENGTH } from "./encryptedFile.js";
export { parseCredentials, secretKeyBaseOf, type Credentials } from "./encryptedConfiguration.js";
export { parseSecretsYml, renderSecretsErb } from "./secretsYml.js";
export { findSecretKeyBase, type FindSecretKeyBaseOptions, type SecretKeyBaseResult } from "./secretKeyBase.js";
