/**
 * Before/after for one optimisation, measured fairly: the `src/` of another revision and the
 * working tree's `src/` are loaded side by side in one process and their rounds interleave, so
 * machine noise (the team shares 2 cores) hits both alike.
 *
 *   node --import tsx bench/ab.ts <rev> [--after <rev2>] [--only b,e] [--rounds 9] [--ms 200]
 *
 * Without --after, "after" is the working tree.
 *
 * <rev>'s src/ is extracted with `git archive` into $TMPDIR/rails-cookie-codec-ab/<rev>/ (outside
 * the repo, so tsc never sees it; node_modules is linked in). Both jars read
 * and write the scenarios of bench/run.ts; each side's decoded value is checked to be the same.
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO } from "./lib/rails.js";
import { checkout } from "./lib/revision.js";
import { median, timeSync } from "./lib/timing.js";
import { SELECTORS, jarOptionsFor, vector } from "./lib/vectors.js";
import type { CookieJar as Jar } from "../src/jar.js";

const argv = process.argv.slice(2);
const rev = argv[0] && !argv[0].startsWith("--") ? argv[0] : "HEAD~1";
const opt = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
const ONLY = opt("--only", Object.keys(SELECTORS).join(",")).split(",");
const ROUNDS = Number(opt("--rounds", "9"));
const MS = Number(opt("--ms", "200"));

const { sha, dir } = checkout(rev);
const afterRev = argv.includes("--after") ? checkout(opt("--after", "HEAD")) : { sha: "working tree", dir: REPO };
type JarClass = new (options: ConstructorParameters<typeof Jar>[0]) => Jar;
const Before = ((await import(pathToFileURL(resolve(dir, "src/jar.ts")).href)) as { CookieJar: JarClass }).CookieJar;
const After = ((await import(pathToFileURL(resolve(afterRev.dir, "src/jar.ts")).href)) as { CookieJar: JarClass }).CookieJar;

// The two revisions have their own Ruby value classes, so compare through JSON (their toJSON).
const canon = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));

interface Case {
  label: string;
  before: () => unknown;
  after: () => unknown;
  b: number[];
  a: number[];
}
const cases: Case[] = [];
for (const id of ONLY) {
  const line = vector(SELECTORS[id]!);
  const codecs = [new Before(jarOptionsFor(line)), new After(jarOptionsFor(line))].map((j) => (line.kind === "signed" ? j.signed : j.session));
  const [before, after] = codecs as [Jar["session"], Jar["session"]];
  // Each side writes the value it read itself (Marshal write-back metadata is per revision).
  const value = after.decode(line.name, line.value).value;
  const valueBefore = before.decode(line.name, line.value).value;
  if (canon(valueBefore) !== canon(value)) throw new Error(`${id}: the two revisions read different values`);
  if (canon(after.decode(line.name, before.set(line.name, valueBefore)).value) !== canon(value)) throw new Error(`${id}: after cannot read before's write`);
  if (canon(before.decode(line.name, after.set(line.name, value)).value) !== canon(value)) throw new Error(`${id}: before cannot read after's write`);
  cases.push({ label: `${id} decode`, before: () => before.decode(line.name, line.value), after: () => after.decode(line.name, line.value), b: [], a: [] });
  cases.push({ label: `${id} encode`, before: () => before.set(line.name, valueBefore), after: () => after.set(line.name, value), b: [], a: [] });
}
for (const c of cases) timeSync(c.before, 100), timeSync(c.after, 100);
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    // Alternate which side goes first, so neither always runs on a warmer cache.
    if (r % 2) c.a.push(timeSync(c.after, MS).cpuOps), c.b.push(timeSync(c.before, MS).cpuOps);
    else c.b.push(timeSync(c.before, MS).cpuOps), c.a.push(timeSync(c.after, MS).cpuOps);
  }
}
console.log(`before = ${sha} (${rev}), after = ${afterRev.sha}; ${ROUNDS} interleaved rounds × ${MS} ms, median ops per CPU-second (process.cpuUsage: time the scheduler gave other work does not count); load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
console.log("| case | before | after | after ÷ before |\n|---|---:|---:|---:|");
for (const c of cases) {
  const b = median(c.b);
  const a = median(c.a);
  console.log(`| ${c.label} | ${Math.round(b).toLocaleString("en-US")} | ${Math.round(a).toLocaleString("en-US")} | ${(a / b).toFixed(2)}× |`);
}
