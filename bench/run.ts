/**
 * `npm run bench`: how fast we read and write Rails cookies, next to the floor (bare node:crypto,
 * bench/lib/floor.ts), real Rails 6.1 (rails-fixture-app/bin/bench) and the npm peers
 * (bench/lib/peers.ts), all in one run on the same cookies: cookies real Rails wrote
 * (fixtures/rails-vectors, fixtures/rails61).
 *
 *   npm run bench                 11 interleaved rounds × 200 ms per contender (about 2 minutes)
 *   npm run bench -- --smoke      one tiny round each (CI): checks every contender's value only
 *   options: --rounds N  --ms N  --only a,b,e
 *
 * Before anything is timed, every contender's result is checked: each decoder must read the value
 * Rails read (the vector's `rails_reads`), each encoder's cookie must read back (by us, and by real
 * Rails when it is installed) as that value, and our reading of Rails' own freshly written cookie
 * must match. Any disagreement makes the run exit 1.
 *
 * Writes bench/results.json (bench/load.ts adds its section to the same file).
 */
import { writeResultsSection } from "./lib/results.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CookieJar, type CookieCodec } from "../src/jar.js";
import { canon } from "./lib/normalize.js";
import { cbcFloor, gcmFloor, signedFloor, type Floor } from "./lib/floor.js";
import { ensurePeersInstalled, rails5CookieParser, railsSessionDecoder, type PeerDecoder } from "./lib/peers.js";
import { RailsBench, railsAvailable } from "./lib/rails.js";
import { median, timeAsync, timeSync, touchSink, type Round } from "./lib/timing.js";
import { bytesPerOp } from "./lib/alloc.js";
import { jarOptionsFor, railsConfigOf, vector, type Selector, type VectorLine } from "./lib/vectors.js";

// ---- options --------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const SMOKE = flag("--smoke");
const ROUNDS = Number(arg("--rounds") ?? (SMOKE ? 1 : 11));
const ROUND_MS = Number(arg("--ms") ?? (SMOKE ? 15 : 200));
const WARMUP_MS = SMOKE ? 5 : 150;
const ONLY = arg("--only")?.split(",");

// ---- scenarios ------------------------------------------------------------------------------
const TWENTY_YEARS = 20 * 365.25 * 24 * 3600; // cookies.permanent (cookies.rb PermanentCookieJar: 20.years)

interface Scenario {
  id: string;
  title: string;
  select: Selector;
  floor: (l: VectorLine) => Floor;
  /** Only for signed cookies: Rails writes them with this expiry (the envelope's `exp`). */
  expiresIn?: number;
  peers: (l: VectorLine) => PeerDecoder[];
  /** Why a peer does not take part, by peer name. */
  peersNa: Record<string, string>;
  /** Why real Rails does not take part. */
  railsNa?: string;
}

const R5 = "rails5-cookie-parser";
const RSD = "rails-session-decoder";
const NA_R5_MARSHAL = "JSON payloads only (it JSON.parses the envelope's message)";
const NA_RSD_GCM = "AES-256-CBC cookies only (Rails 4.x)";

const ALL_SCENARIOS: Scenario[] = [
  {
    id: "a",
    title: "7.0+ session: GCM, PBKDF2-SHA256, JSON, envelope (Rails 8.0.5 session_rich)",
    select: { file: "rails-vectors", rails: "8.0.5", defaults: "8.0", serializer: "json", scenario: "session_rich" },
    floor: (l) => gcmFloor(l.secret_key_base, "sha256", l.name, "json"),
    peers: () => [],
    peersNa: { [R5]: "its key derivation is PBKDF2-SHA1, hard-coded (7.0+ apps use SHA256)", [RSD]: NA_RSD_GCM },
    railsNa:
      "only Debian's Rails 6.1.7.10 is installed, and it cannot derive PBKDF2-SHA256 keys (ActiveSupport 6.1 KeyGenerator is SHA1 only)",
  },
  {
    id: "b",
    title: "6.0–6.1 session: GCM, PBKDF2-SHA1, JSON, envelope (Rails 6.1.7.10 session_rich)",
    select: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "json", scenario: "session_rich" },
    floor: (l) => gcmFloor(l.secret_key_base, "sha1", l.name, "json"),
    peers: (l) => [rails5CookieParser(l.secret_key_base, l.name)],
    peersNa: { [RSD]: NA_RSD_GCM },
  },
  {
    id: "c",
    title: "4.2–5.1 session: CBC+HMAC-SHA1, Marshal (load_defaults 5.0, session_rich)",
    select: { file: "rails61", rails: "6.1.7.10", defaults: "5.0", serializer: "marshal", scenario: "session_rich" },
    floor: (l) => cbcFloor(l.secret_key_base, "marshal"),
    peers: () => [],
    peersNa: {
      [R5]: "AES-GCM cookies only",
      [RSD]: "decrypts, but returns the Marshal bytes decoded as UTF-8 (corrupting them) and has no Marshal reader",
    },
  },
  {
    id: "c2",
    title: "4.2–5.1 session: CBC+HMAC-SHA1, JSON (load_defaults 5.0, session_rich)",
    select: { file: "rails61", rails: "6.1.7.10", defaults: "5.0", serializer: "json", scenario: "session_rich" },
    floor: (l) => cbcFloor(l.secret_key_base, "json"),
    peers: (l) => [railsSessionDecoder(l.secret_key_base)],
    peersNa: { [R5]: "AES-GCM cookies only" },
  },
  {
    id: "d",
    title: "signed cookie: HMAC-SHA1, JSON, envelope with exp (Rails 6.1.7.10 signed_permanent)",
    select: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "json", scenario: "signed_permanent" },
    floor: (l) => signedFloor(l.secret_key_base, "sha1", l.name, "json", TWENTY_YEARS),
    expiresIn: TWENTY_YEARS,
    peers: () => [],
    peersNa: { [R5]: "encrypted cookies only", [RSD]: "encrypted (CBC) cookies only" },
  },
  {
    id: "e",
    title: "Ruby-typed session: GCM, Marshal, envelope (Rails 6.1.7.10 session_ruby_types)",
    select: { file: "rails61", rails: "6.1.7.10", defaults: "6.1", serializer: "marshal", scenario: "session_ruby_types" },
    floor: (l) => gcmFloor(l.secret_key_base, "sha1", l.name, "marshal"),
    peers: () => [],
    peersNa: { [R5]: NA_R5_MARSHAL, [RSD]: "AES-256-CBC cookies only, and no Marshal reader" },
  },
];
const SCENARIOS = ALL_SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.id));

// ---- contenders -----------------------------------------------------------------------------
type Direction = "decode" | "encode";

interface Contender {
  scenario: string;
  direction: Direction;
  name: string;
  version?: string;
  /** Why it does not take part; it is listed with n/a. */
  na?: string;
  sync?: () => unknown;
  async?: () => Promise<unknown>;
  rails?: { bench: RailsBench; op: Record<string, unknown> };
  rounds: number[];
}

const failures: string[] = [];
function check(what: string, got: unknown, expected: string): void {
  const text = canon(got);
  if (text !== expected) {
    failures.push(what);
    console.error(`✗ ${what}\n  expected ${expected.slice(0, 300)}\n  got      ${text.slice(0, 300)}`);
  }
}

interface Measured {
  rows: Row[];
  notes: string[];
  railsVersion: string | null;
  failures: string[];
  seconds: number;
}

type Row = {
  scenario: string;
  direction: Direction;
  contender: string;
  ops: number | null;
  oursOverThis: number | null;
  bytesPerOp: number | null;
  rounds: number[];
  na: string | null;
};

/*
 * Each scenario is timed in a process of its own (this script again, with `--only <id>`), as each
 * app runs in one: a process that read six apps' cookies with one copy of the library would time
 * ours with V8's type feedback spread over six configurations, while each peer (loaded afresh per
 * app, bench/lib/peers.ts) and an app of one configuration see only their own. `--one-process`
 * keeps the old way.
 */
const CHILD_OUT = process.env["BENCH_SCENARIO_CHILD"];

async function measureInChildren(): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "rcc-bench-"));
  const merged: Measured = { rows: [], notes: [], railsVersion: null, failures: [], seconds: 0 };
  try {
    for (const s of SCENARIOS) {
      const out = join(dir, `${s.id}.json`);
      const args = [...process.execArgv, process.argv[1]!, ...argv.filter((a, i) => a !== "--only" && argv[i - 1] !== "--only"), "--only", s.id];
      const r = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, BENCH_SCENARIO_CHILD: out } });
      if (r.status !== 0) throw new Error(`scenario ${s.id}: its benchmark process exited ${r.status ?? r.signal}`);
      const m = JSON.parse(readFileSync(out, "utf8")) as Measured;
      merged.rows.push(...m.rows);
      merged.notes.push(...m.notes);
      merged.failures.push(...m.failures);
      merged.railsVersion ??= m.railsVersion;
      merged.seconds += m.seconds;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return merged;
}

async function main(): Promise<void> {
  const startLoad = loadavg();
  const oneProcess = CHILD_OUT !== undefined || SCENARIOS.length === 1 || flag("--one-process");
  const measured = oneProcess ? await measure() : await measureInChildren();
  if (CHILD_OUT !== undefined) {
    writeFileSync(CHILD_OUT, JSON.stringify(measured));
    return;
  }
  report(measured, startLoad, !oneProcess);
}

async function measure(): Promise<Measured> {
  ensurePeersInstalled();
  const rails = railsAvailable();
  if (!rails.ok) {
    const why = "Ruby with Rails is not available (apt-get install -y ruby ruby-rails): the real-Rails contender cannot run";
    if (process.env["CI"] === "true") throw new Error(why);
    console.warn(`\n⚠️  ${why}; it is left out of this run.\n`);
  }

  const contenders: Contender[] = [];
  const railsProcesses: RailsBench[] = [];
  const prepared: Array<{ s: Scenario; line: VectorLine; codec: CookieCodec; value: unknown; expected: string; bench?: RailsBench }> = [];

  // Boot every Rails app first (they then sit idle), so booting overlaps nothing that is timed.
  for (const s of SCENARIOS) {
    const line = vector(s.select);
    const bench = rails.ok && !s.railsNa ? new RailsBench(railsConfigOf(line)) : undefined;
    if (bench) railsProcesses.push(bench);
    const jar = new CookieJar(jarOptionsFor(line));
    const codec = line.kind === "signed" ? jar.signed : jar.session;
    const value = codec.decode(line.name, line.value).value;
    prepared.push({ s, line, codec, value, expected: canon(line.rails_reads), ...(bench ? { bench } : {}) });
  }
  const railsVersion = railsProcesses.length ? String((await railsProcesses[0]!.call({ op: "info" }))["rails"]) : null;

  for (const { s, line, codec, value, expected, bench } of prepared) {
    const { name, value: raw } = line;
    const setOptions = s.expiresIn === undefined ? {} : { expires: s.expiresIn };
    const floor = s.floor(line);
    const peers = s.peers(line);
    const railsRead = async (cookie: string) => (await bench!.call({ op: "read", kind: line.kind, name, value: cookie }))["rails_reads"];

    // -- correctness: every reader gets Rails' value, every writer's cookie reads back as it.
    check(`${s.id} ours decode = rails_reads`, value, expected);
    check(`${s.id} floor decode = rails_reads`, floor.decode(raw), expected);
    for (const p of peers) check(`${s.id} ${p.name} decode = rails_reads`, p.decode ? p.decode(raw) : await p.decodeAsync!(raw), expected);
    const ours = codec.set(name, value, setOptions);
    const floors = floor.encode(value);
    check(`${s.id} ours encode reads back (ours)`, codec.decode(name, ours).value, expected);
    check(`${s.id} floor encode reads back (ours)`, codec.decode(name, floors).value, expected);
    if (bench) {
      check(`${s.id} Rails decode = rails_reads`, await railsRead(raw), expected);
      check(`${s.id} ours encode reads back (Rails)`, await railsRead(ours), expected);
      check(`${s.id} floor encode reads back (Rails)`, await railsRead(floors), expected);
      const written = await bench.call({ op: "time_write", kind: line.kind, name, value_marshal_b64: line.rails_reads_marshal, expires_in: s.expiresIn ?? null, ms: 1 });
      check(`${s.id} Rails encode reads back (ours)`, codec.decode(name, String(written["value"])).value, expected);
    }

    // -- contenders
    const base = { scenario: s.id };
    // Each contender gets its own rounds array.
    const add = (c: Omit<Contender, "rounds">) => contenders.push({ ...c, rounds: [] });
    add({ ...base, direction: "decode", name: "ours", sync: () => codec.decode(name, raw) });
    add({ ...base, direction: "decode", name: "floor", sync: () => floor.decode(raw) });
    const railsNa = s.railsNa ?? (rails.ok ? undefined : "Ruby/Rails not installed");
    if (bench) {
      const v = railsVersion ?? "";
      add({ ...base, direction: "decode", name: "rails (cookie jar)", version: v, rails: { bench, op: { op: "time_read", kind: line.kind, name, value: raw } } });
      if (line.kind === "session") {
        add({ ...base, direction: "decode", name: "rails (session store)", version: v, rails: { bench, op: { op: "time_store_read", name, value: raw } } });
      }
    } else {
      add({ ...base, direction: "decode", name: "rails (cookie jar)", na: railsNa! });
    }
    for (const p of peers) {
      add({ ...base, direction: "decode", name: p.name, version: p.version, ...(p.decode ? { sync: () => p.decode!(raw) } : { async: () => p.decodeAsync!(raw) }) });
    }
    for (const [peer, why] of Object.entries(s.peersNa)) add({ ...base, direction: "decode", name: peer, na: why });

    add({ ...base, direction: "encode", name: "ours", sync: () => codec.set(name, value, setOptions) });
    add({ ...base, direction: "encode", name: "floor", sync: () => floor.encode(value) });
    if (bench) {
      add({
        ...base,
        direction: "encode",
        name: "rails (cookie jar)",
        version: railsVersion ?? "",
        rails: { bench, op: { op: "time_write", kind: line.kind, name, value_marshal_b64: line.rails_reads_marshal, expires_in: s.expiresIn ?? null } },
      });
    } else {
      add({ ...base, direction: "encode", name: "rails (cookie jar)", na: railsNa! });
    }
  }

  // -- timing: a warm-up round each, then ROUNDS interleaved rounds.
  const timed = contenders.filter((c) => !c.na);
  const runRound = async (c: Contender, ms: number): Promise<Round> => {
    if (c.sync) return timeSync(c.sync, ms);
    if (c.async) return timeAsync(c.async, ms);
    const out = await c.rails!.bench.call({ ...c.rails!.op, ms });
    return { ops: Number(out["ops"]), n: Number(out["n"]), seconds: Number(out["seconds"]), cpuOps: Number(out["ops"]) };
  };
  const t0 = Date.now();
  for (const c of timed) await runRound(c, WARMUP_MS);
  for (let r = 0; r < ROUNDS; r++) {
    // Every other round runs in reverse, so within each scenario ours goes first as often as last.
    for (const c of r % 2 ? [...timed].reverse() : timed) c.rounds.push((await runRound(c, ROUND_MS)).ops);
    if (!SMOKE) process.stderr.write(`round ${r + 1}/${ROUNDS} done (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  touchSink();
  for (const b of railsProcesses) b.close();

  // -- memory: heap bytes allocated per call, ours and the floor (bench/lib/alloc.ts).
  const bytes = new Map<Contender, number>();
  for (const c of contenders) {
    if (c.sync && (c.name === "ours" || c.name === "floor")) bytes.set(c, await bytesPerOp(c.sync, SMOKE ? 10 : 200, SMOKE ? 1 : 5));
  }

  // -- report
  const opsOf = (c: Contender) => (c.na ? null : median(c.rounds));
  const oursOf = (c: Contender) => contenders.find((o) => o.scenario === c.scenario && o.direction === c.direction && o.name === "ours")!;
  // The ratio is the median of each round's ratio, not the ratio of the medians: ours and the
  // contender ran next to each other in that round, so a burst on the machine (on this shared VM one
  // 150 ms round can run 30 % slower than the next, docs/bench.md) hits both sides of one ratio.
  const ratioOf = (c: Contender) => median(c.rounds.map((ops, i) => oursOf(c).rounds[i]! / ops));
  const rows: Row[] = contenders.map((c) => {
    const ops = opsOf(c);
    return {
      scenario: c.scenario,
      direction: c.direction,
      contender: c.version ? `${c.name} ${c.version}` : c.name,
      ops,
      oursOverThis: ops === null ? null : ratioOf(c),
      bytesPerOp: bytes.get(c) ?? null,
      rounds: c.rounds,
      na: c.na ?? null,
    };
  });
  const notes = contenders.filter((c) => c.na).map((c) => `- ${c.scenario} ${c.direction} ${c.name}: n/a — ${c.na}`);
  return { rows, notes, railsVersion, failures: [...failures], seconds: (Date.now() - t0) / 1000 };
}

function report({ rows, notes, railsVersion, failures, seconds }: Measured, startLoad: number[], isolated: boolean): void {
  const lines: string[] = [];
  lines.push("| scenario | op | contender | ops/s (median) | ours ÷ this | heap allocated per op |");
  lines.push("|---|---|---|---:|---:|---:|");
  for (const r of rows) {
    const ops = r.ops === null ? "n/a" : Math.round(r.ops).toLocaleString("en-US");
    const ratio = r.ops === null ? "—" : r.contender === "ours" ? "1.00×" : `${r.oursOverThis!.toFixed(2)}×`;
    const heap = r.bytesPerOp === null ? "" : `${(r.bytesPerOp / 1024).toFixed(1)} KiB`;
    lines.push(`| ${r.scenario} | ${r.direction} | ${r.contender} | ${ops} | ${ratio} | ${heap} |`);
  }
  const table = lines.join("\n");
  const titles = SCENARIOS.map((s) => `- ${s.id}: ${s.title}`);

  // Targets (measured, never asserted): ≥ 0.95× the floor (issue 13), ≥ 8× Rails, ≥ every peer
  // (≥ 1.2× rails5-cookie-parser on b), Marshal within 3× of JSON.
  const find = (sc: string, dir: Direction, name: string) => rows.find((r) => r.scenario === sc && r.direction === dir && r.contender.startsWith(name));
  const targets: string[] = [];
  for (const s of SCENARIOS) {
    for (const dir of ["decode", "encode"] as const) {
      const f = find(s.id, dir, "floor");
      if (f?.ops) targets.push(`${s.id} ${dir}: ours = ${f.oursOverThis!.toFixed(2)}× the floor (target ≥ 0.95)`);
      const rj = find(s.id, dir, "rails (cookie jar)");
      if (rj?.ops) targets.push(`${s.id} ${dir}: ours = ${rj.oursOverThis!.toFixed(1)}× Rails' cookie jar${dir === "decode" ? " (target ≥ 8)" : ""}`);
    }
    for (const r of rows.filter((r) => r.scenario === s.id && r.direction === "decode" && r.contender.startsWith("rails") === false && !["ours", "floor"].includes(r.contender) && r.ops)) {
      targets.push(`${s.id} decode: ours = ${r.oursOverThis!.toFixed(2)}× ${r.contender} (target ≥ ${s.id === "b" && r.contender.startsWith(R5) ? "1.2" : "1"})`);
    }
  }
  for (const dir of ["decode", "encode"] as const) {
    const json = find("b", dir, "ours");
    const marshal = find("e", dir, "ours");
    if (json?.ops && marshal?.ops) targets.push(`Ruby-typed Marshal (e) vs JSON (b) session, ${dir}: ${(json.ops / marshal.ops).toFixed(2)}× slower (target ≤ 3)`);
  }

  const cpu = cpus()[0]?.model ?? "unknown";
  const header =
    `rails-cookie-codec benchmark — ${new Date().toISOString()}\n` +
    `node ${process.version}, ${cpus().length} CPUs (${cpu}), Rails ${railsVersion ?? "n/a"}\n` +
    `${ROUNDS} rounds × ${ROUND_MS} ms per contender, interleaved, every other round reversed${isolated ? ", each scenario in a process of its own" : ""}; median ops/s, and ours ÷ this as the median of the per-round ratios. load average at start ${startLoad.map((x) => x.toFixed(2)).join(" ")}, at end ${loadavg().map((x) => x.toFixed(2)).join(" ")}`;
  if (SMOKE) {
    // A smoke run's rounds are too short to mean anything: it proves every contender still runs and
    // reads what Rails read. Figures and targets come only from a measured run.
    console.log(`\n${header}\n\nsmoke run: ${rows.length} contender rows ran; ${failures.length === 0 ? "every value matched what Rails read" : `${failures.length} values differ from what Rails read`}. Timings not measured: no figures, no targets.`);
  } else {
    console.log(`\n${header}\n\n${titles.join("\n")}\n\n${table}\n\n${notes.join("\n")}\n\nTargets (measured, not asserted):\n${targets.map((t) => `- ${t}`).join("\n")}`);
  }

  writeResultsSection(
    "codec",
    {
      date: new Date().toISOString(),
      smoke: SMOKE,
      node: process.version,
      cpu,
      cpus: cpus().length,
      rails: railsVersion,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      loadAverage: { start: startLoad, end: loadavg() },
      scenarios: SCENARIOS.map((s) => ({ id: s.id, title: s.title, vector: s.select })),
      results: rows,
      targets,
      table,
      correctnessFailures: failures,
    },
    SMOKE,
  );

  if (failures.length) {
    console.error(`\n✗ ${failures.length} contender(s) disagree with Rails' value: ${failures.join("; ")}`);
    process.exit(1);
  }
  console.log(`\n✓ every contender read and wrote the value Rails read. (${seconds.toFixed(0)} s timed)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
