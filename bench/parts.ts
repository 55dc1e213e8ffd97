/**
 * The parts of a session read and a session rewrite, in a tight loop, and what a part costs the
 * part that runs after it. Written for issue 13's "where each microsecond went": in process a
 * rewrite costs ~60 µs more than a read, while a seal timed alone is ~12 µs.
 *
 *   node --import tsx bench/parts.ts [--rounds 9] [--ms 200] [--alone N]
 *
 * `--alone N` times only the Nth case (0-based, in the table's order) in this process, in CPU and
 * wall-clock µs: whether a part costs the same without the others' code and data around it.
 *
 * Every case is one loop body, timed in rounds of `--ms` per case, the rounds of all cases
 * interleaved; the figure is the median of µs of this process's CPU per call (bench/lib/timing.ts).
 * "decode hit, then X" minus "decode hit" minus "X" is what running X costs the next decode: a
 * part is not free just because its own frame is cheap. The cookie is the one bench/load.ts sends
 * (Rails 8.0.5 session, `verifiedCookieCache` on, as in `railsSession`).
 */
import { loadavg } from "node:os";
import { createSessionStore } from "../src/session/store.js";
import { median, timeSync, touchSink } from "./lib/timing.js";
import { LOAD_VECTOR, jarOptionsFor, vector } from "./lib/vectors.js";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
const ROUNDS = Number(opt("--rounds", "9"));
const MS = Number(opt("--ms", "200"));

const line = vector(LOAD_VECTOR);
const header = `${line.session_key}=${line.value}`;
const store = createSessionStore({ ...jarOptionsFor(line), key: line.session_key });
const codec = store.jar.session;
const key = line.session_key;

const changed = store.load(header);
changed["hits"] = 1;
const data = changed.toHash();
const serialized = codec.serialize(key, data);
let keep: unknown;

const decodeHit = () => codec.decode(key, line.value);
const seal = () => codec.setSerialized(key, serialized, {});
// An off-heap ArrayBuffer of a sealed cookie's size, the kind node:crypto returns from update().
const offHeap = () => Buffer.allocUnsafeSlow(1500);

// Each case once: its name for the sums below, its label for the table (in this order; --alone N).
const cases = {
  hit: ["decode hit (codec.decode, cached)", decodeHit],
  serialize: ["serialize (codec.serialize)", () => codec.serialize(key, data)],
  seal: ["seal (codec.setSerialized)", seal],
  offHeap: ["1,500-byte off-heap Buffer (allocUnsafeSlow)", offHeap],
  hitSerialize: ["decode hit, then serialize", () => ((keep = decodeHit()), codec.serialize(key, data))],
  hitSeal: ["decode hit, then seal", () => ((keep = decodeHit()), seal())],
  hitOffHeap: ["decode hit, then off-heap Buffer", () => ((keep = decodeHit()), offHeap())],
  codecRewrite: ["decode hit, then serialize, then seal (the codec's rewrite)", () => {
    keep = decodeHit();
    return codec.setSerialized(key, codec.serialize(key, data), {});
  }],
  read: ["session read: load, read user_id, commit", () => {
    const s = store.load(header);
    keep = s["user_id"];
    return store.commit(s);
  }],
  rewrite: ["session rewrite: load, set hits, commit", () => {
    const s = store.load(header);
    s["hits"] = 1;
    return store.commit(s);
  }],
} satisfies Record<string, [string, () => unknown]>;
type CaseName = keyof typeof cases;
const names = Object.keys(cases) as CaseName[];

// The rewrite's commit must write; the read's must not.
{
  const s = store.load(header);
  if (store.commit(s) !== null) throw new Error("the read wrote a cookie");
  s["hits"] = 1;
  if (store.commit(s) === null) throw new Error("the rewrite wrote nothing");
}

// --alone <n>: only case n, in this process (what the codec table does: one scenario per process).
const alone = argv.includes("--alone") ? Number(opt("--alone", "0")) : null;
if (alone !== null) {
  const [label, op] = cases[names[alone]!];
  for (let i = 0; i < 5; i++) timeSync(op, 100);
  const r: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round = timeSync(op, MS);
    r.push(1e6 / round.cpuOps);
    w.push(1e6 / round.ops);
  }
  console.log(`| ${label}, alone in a process | ${median(r).toFixed(2)} CPU | ${median(w).toFixed(2)} wall |`);
  process.exit(0);
}

for (const name of names) timeSync(cases[name][1], 100);
const rounds = new Map<CaseName, number[]>(names.map((name) => [name, []]));
const started = loadavg().map((l) => l.toFixed(2)).join(" ");
for (let r = 0; r < ROUNDS; r++) {
  for (const name of r % 2 === 0 ? names : [...names].reverse()) rounds.get(name)!.push(1e6 / timeSync(cases[name][1], MS).cpuOps);
}
const us = (name: CaseName) => median(rounds.get(name)!);

console.log(`rails-cookie-codec parts — ${new Date().toISOString()}`);
console.log(`node ${process.version}; ${ROUNDS} interleaved rounds × ${MS} ms per case; load average at start ${started}, at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
console.log("| case | CPU µs per call (median) |\n|---|---:|");
for (const name of names) console.log(`| ${cases[name][0]} | ${us(name).toFixed(2)} |`);
const after = (part: CaseName, then: CaseName) => us(then) - us("hit") - us(part);
console.log("\n| what the part costs the decode that follows it | µs |\n|---|---:|");
console.log(`| serialize | ${after("serialize", "hitSerialize").toFixed(2)} |`);
console.log(`| seal | ${after("seal", "hitSeal").toFixed(2)} |`);
console.log(`| 1,500-byte off-heap Buffer | ${after("offHeap", "hitOffHeap").toFixed(2)} |`);
console.log(`\nrewrite over read: ${(us("rewrite") - us("read")).toFixed(2)} µs; serialize + seal timed alone: ${(us("serialize") + us("seal")).toFixed(2)} µs`);
console.log(`session core over the codec: read ${(us("read") - us("hit")).toFixed(2)} µs, rewrite ${(us("rewrite") - us("codecRewrite")).toFixed(2)} µs`);
void keep;
void touchSink();
