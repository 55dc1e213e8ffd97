/**
 * The load servers' cost in instructions (`npm run bench:instructions`, part 4 of `npm run bench`):
 * each app of bench/lib/apps.ts, in bench/lib/load-server.ts as bench/load.ts runs it, under
 * `valgrind --tool=callgrind`; autocannon sends WARM requests, then WINDOWS windows of N requests,
 * each counted on its own (`callgrind_control -z`, `-i on`, the requests, `-i off`, `-d`).
 * Instructions per request = a window's count ÷ N, median of the windows: the server's user-space
 * work per request once warm, its GC and JIT included (`node --single-threaded` runs both on the
 * main thread, so they are counted too). The first few thousand requests cost more (V8 is still
 * compiling: 1.05M per request in the window after 1,000 requests, ~0.6M from 3,000 on, for the
 * baseline); windows after that still differ by ±5 %, as GCs fall in one or another.
 *
 * Why: on this shared 2-core VM, req/s and CPU µs per request over loopback move by up to 2×
 * between identical runs (the scheduler places the server and the load generator on one core or
 * on two: docs/bench.md). An instruction count does not depend on what else the machine does; it
 * still moves between runs by up to ~7 % (the same baseline counted 733k and 782k per request on
 * 2026-12-03: when V8 collects and which functions it optimizes differ from run to run), against
 * up to 2× for wall-clock figures. It does not see cache misses or the kernel: bench/load.ts's
 * figures stay the ones a user sees.
 *
 *   options: --requests N per window (default 2000)  --windows N (default 3)  --warm N (default 3000)
 *            --smoke (100, 1 window, 100: proves it runs)
 *
 * Needs valgrind (Debian's package): without it, says so and exits 0. Adds an `instructions`
 * section to bench/results.json. Two servers are counted at a time (counts do not depend on load).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { MODE_NAMES, cookieSessionHeader, railsCookieHeader, type Mode } from "./lib/apps.js";
import { writeResultsSection } from "./lib/results.js";
import { median } from "./lib/timing.js";

const argv = process.argv.slice(2);
const SMOKE = argv.includes("--smoke");
const num = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const N = num("--requests", SMOKE ? 100 : 2000);
const WINDOWS = num("--windows", SMOKE ? 1 : 3);
const WARM = num("--warm", SMOKE ? 100 : 3000);

const CASES = (["baseline", "session-read", "session-read-uncached", "session", "cookie-session-read", "cookie-session", "floor-read", "floor"] as const).map((mode) => ({ mode, name: MODE_NAMES[mode] }));

interface Counted {
  mode: Mode;
  name: string;
  instructions: number;
  /** Each window's instructions per request. */
  windows: number[];
  non2xx: number;
  errors: number;
}

const failures: string[] = [];

async function count(mode: Mode, name: string, dir: string): Promise<Counted> {
  const out = join(dir, `${mode}.callgrind`);
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${out}`, process.execPath, "--single-threaded", "--import", "tsx", resolve(import.meta.dirname, "lib/load-server.ts"), mode],
    { stdio: ["ignore", "ignore", "pipe", "ipc"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const port = await Promise.race([
    new Promise<number>((res) => child.once("message", (m) => res((m as { port: number }).port))),
    exited.then((code) => Promise.reject(new Error(`${mode} server under valgrind exited ${code}: ${stderr.slice(-500)}`))),
  ]);
  const url = `http://127.0.0.1:${port}`;
  let cookie = railsCookieHeader;
  if (mode.startsWith("cookie-session")) cookie = cookieSessionHeader((await fetch(`${url}/__seed`)).headers.getSetCookie());
  const fire = (amount: number) => autocannon({ url: `${url}/`, connections: 4, amount, timeout: 120, headers: { cookie } });
  let non2xx = 0;
  let errors = 0;
  const tally = (r: autocannon.Result) => ((non2xx += r.non2xx), (errors += r.errors + r.timeouts));
  tally(await fire(WARM));
  const control = (...args: string[]) => {
    const r = spawnSync("callgrind_control", [...args, String(child.pid)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`callgrind_control ${args.join(" ")} failed: ${r.stderr}`);
  };
  for (let w = 0; w < WINDOWS; w++) {
    control("-z");
    control("-i", "on");
    tally(await fire(N));
    control("-i", "off");
    control("-d"); // writes <out>.<w + 1>, the counts since the -z
  }
  child.disconnect();
  await exited;
  const windows = Array.from({ length: WINDOWS }, (_, w) => {
    const totals = /^totals:\s+(\d+)/m.exec(readFileSync(`${out}.${w + 1}`, "utf8"));
    if (!totals) throw new Error(`no totals in ${out}.${w + 1}`);
    return Number(totals[1]) / N;
  });
  if (non2xx || errors) failures.push(`${mode}: ${non2xx} non-2xx, ${errors} errors/timeouts`);
  return { mode, name, instructions: median(windows), windows, non2xx, errors };
}

async function main(): Promise<void> {
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    console.log("\ninstructions per request: skipped, valgrind is not installed (apt-get install -y valgrind)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "rcc-callgrind-"));
  const started = new Date().toISOString();
  const results: Counted[] = [];
  try {
    for (let i = 0; i < CASES.length; i += 2) {
      results.push(...(await Promise.all(CASES.slice(i, i + 2).map((c) => count(c.mode, c.name, dir)))));
      if (!SMOKE) process.stderr.write(`instructions: ${results.length}/${CASES.length} servers counted\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = results.find((r) => r.mode === "baseline")!.instructions;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const rows = results.map((r) => ({ ...r, vsBaseline: base / r.instructions, overBaseline: r.instructions - base }));
  console.log(
    [
      "",
      `rails-cookie-codec middleware in instructions — ${started}`,
      `node ${process.version}, valgrind --tool=callgrind, node --single-threaded; ${WARM} requests to warm up, then ${WINDOWS} windows of ${N} counted (4 connections); median window`,
      "",
      "| case | instructions per request (median) | requests per instruction vs baseline | over baseline | windows (lowest – highest) |",
      "|---|---:|---:|---:|---:|",
      ...rows.map(
        (r) =>
          `| ${r.name} | ${fmt(r.instructions)} | ${r.vsBaseline.toFixed(2)}× | ${r.overBaseline === 0 ? "—" : `+${fmt(r.overBaseline)}`} | ${fmt(Math.min(...r.windows))} – ${fmt(Math.max(...r.windows))} |`,
      ),
    ].join("\n"),
  );
  writeResultsSection("instructions", { date: started, node: process.version, warm: WARM, windows: WINDOWS, requestsPerWindow: N, rows }, SMOKE);
  if (failures.length) {
    console.error(`\n✗ ${failures.join("; ")}`);
    process.exit(1);
  }
}

await main();
