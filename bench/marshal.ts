/**
 * Marshal alone: our `load` and `dump` (src/marshal) on the Marshal payload of Ruby-typed and rich
 * sessions real Rails 6.1 wrote (fixtures/rails61, session_ruby_types and session_rich), next to
 * @hyrious/marshal's load (a dev dependency, for scale: it keeps no write-back metadata).
 *
 *   node --import tsx bench/marshal.ts [--rounds 7] [--ms 300]
 *
 * The payload is taken out of the cookie with our jar's own layers (decrypt, envelope), and every
 * `load` result is checked against what Rails read before anything is timed.
 */
import { load as hyriousLoad } from "@hyrious/marshal";
import { dump, load } from "../src/marshal/index.js";
import { KeyGenerator, decryptGcm } from "../src/crypto/index.js";
import { unescapeCookieValue } from "../src/cookie/escape.js";
import { unwrap } from "../src/envelope/metadata.js";
import { canon } from "./lib/normalize.js";
import { median, timeSync } from "./lib/timing.js";
import { vector } from "./lib/vectors.js";

const argv = process.argv.slice(2);
const ROUNDS = Number(argv[argv.indexOf("--rounds") + 1] || 7);
const MS = Number(argv[argv.indexOf("--ms") + 1] || 300);

const payloads = ["session_ruby_types", "session_rich"].map((scenario) => {
  const line = vector({ file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "marshal", scenario });
  const key = new KeyGenerator(line.secret_key_base, { hashDigestClass: "SHA1" }).generateKey("authenticated encrypted cookie", 32);
  const plain = decryptGcm(unescapeCookieValue(line.value), { cipher: "aes-256-gcm", secret: key });
  const bytes = new Uint8Array(unwrap(plain, 6.1).message);
  if (canon(load(bytes)) !== canon(line.rails_reads)) throw new Error(`${scenario}: load disagrees with Rails`);
  if (Buffer.compare(Buffer.from(dump(load(bytes))), Buffer.from(bytes)) !== 0) throw new Error(`${scenario}: dump(load(x)) is not x`);
  return { scenario, bytes, value: load(bytes) };
});

const cases = payloads.flatMap((p) => [
  { name: `${p.scenario} (${p.bytes.length} B) load`, op: () => load(p.bytes), rounds: [] as number[] },
  { name: `${p.scenario} (${p.bytes.length} B) dump`, op: () => dump(p.value), rounds: [] as number[] },
  { name: `${p.scenario} (${p.bytes.length} B) @hyrious/marshal load`, op: () => hyriousLoad(p.bytes), rounds: [] as number[] },
]);
for (const c of cases) timeSync(c.op, 100);
for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.rounds.push(timeSync(c.op, MS).ops);
for (const c of cases) {
  const ops = median(c.rounds);
  console.log(`${c.name.padEnd(50)} ${Math.round(ops).toLocaleString("en-US").padStart(9)} ops/s  ${(1e6 / ops).toFixed(1).padStart(6)} µs`);
}
