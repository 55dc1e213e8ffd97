/**
 * Reading one of an app's secret files (`config/master.key`, `config/credentials*.yml.enc`,
 * `tmp/local_secret.txt`, `tmp/development_secret.txt`, `config/secrets.yml`) without trusting the
 * directory: only a regular file is read, and only up to a size no real one reaches.
 *
 * Rails reads these with `File.read`/`File.binread`, which on a directory raises `EISDIR`, on a FIFO
 * waits for a writer forever, and on `/dev/zero` never ends. We open without blocking
 * (`O_NONBLOCK`, so a FIFO without a writer does not hang the open), check what was opened with
 * `fstat` (the same file descriptor: no race with a swap of the path), and refuse with a clear
 * `CredentialsError` naming the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { CredentialsError } from "../errors.js";

/** The largest secret file read: a master key is 32 bytes, credentials a few KB. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a file";
}

/**
 * The bytes of the regular file at `path`, or null when there is none (`ENOENT`, or a parent that
 * is not a directory: Rails' `File.exist?` is false there too). `rel` names it in errors.
 */
export function readSecretFile(path: string, rel: string, maxBytes = MAX_SECRET_FILE_BYTES): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new CredentialsError(`${rel} cannot be opened (${code ?? String(error)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CredentialsError(`${rel} is not a regular file (it is ${kindOf(st)})`);
    if (st.size > maxBytes) throw new CredentialsError(`${rel} is larger than ${maxBytes} bytes: not a Rails secret file`);
    // Read to the end, but never past the cap: a file that grows after the fstat is still bounded.
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0; length += n) {
      if (length > maxBytes) throw new CredentialsError(`${rel} is larger than ${maxBytes} bytes: not a Rails secret file`);
      n = readSync(fd, buf, length, buf.length - length, null);
    }
    return Buffer.from(buf.subarray(0, length));
  } catch (error) {
    if (error instanceof CredentialsError) throw error;
    throw new CredentialsError(`${rel} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    closeSync(fd);
  }
}
