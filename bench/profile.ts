/**
 * Profiling harness: runs only our decode and encode of one benchmark scenario in a loop, so a CPU
 * profile shows where our time goes (bench/run.ts times; this explains).
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts b decode 3000
 *   node --import tsx bench/profile-summary.ts /tmp/prof/<file>.cpuprofile
 *
 * The jar is built (and its keys derived) before the loop starts: a PBKDF2 frame inside the loop's
 * samples would mean key derivation on the request path. The summary reports where PBKDF2 was seen.
 */
import { CookieJar } from "../src/jar.js";
import { SELECTORS, jarOptionsFor, vector } from "./lib/vectors.js";


const [id = "b", direction = "both", msText = "3000"] = process.argv.slice(2);
const line = vector(SELECTORS[id] ?? SELECTORS["b"]!);
const jar = new CookieJar(jarOptionsFor(line));
const codec = line.kind === "signed" ? jar.signed : jar.session;
const value = codec.decode(line.name, line.value).value;
const deadline = Date.now() + Number(msText);
let n = 0;
let sink: unknown;
while (Date.now() < deadline) {
  for (let i = 0; i < 100; i++) {
    if (direction !== "encode") sink = codec.decode(line.name, line.value);
    if (direction !== "decode") sink = codec.set(line.name, value);
  }
  n += 100;
}
console.log(`${id} ${direction}: ${n} iterations, ${((Number(msText) * 1000) / n).toFixed(1)} µs each`, typeof sink);
