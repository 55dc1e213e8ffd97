/**
 * The Express middleware under load (`npm run bench:load`): autocannon against Express on
 * 127.0.0.1, the server in its own process (bench/lib/load-server.ts).
 *
 *   (i)   railsSession: every request carries a real Rails 8.0.5 session cookie; the handler reads
 *         `req.session.user_id` and counts in the session, so every response rewrites the cookie.
 *   (ii)  the same app without the middleware (baseline), and the same again sending a fixed
 *         Set-Cookie as long as the session's (what the cookie costs HTTP, not us). The three
 *         alternate over ROUNDS rounds of SECONDS each; req/s is the median. The server's CPU time
 *         per request is measured too: on a 2-core machine the load generator competes with the
 *         server, and CPU per request says what the middleware costs regardless.
 *   (iii) flood: every request carries a junk or tampered session cookie (random strings, truncated
 *         real cookies, 5 KB values, cookies sealed with another secret or for another cookie name,
 *         flipped characters). Every answer must be a 200 with a fresh session; RSS and heap (after
 *         a full GC) are read before and after.
 *
 *   (iv)  cookie-session (Express's own signed-cookie sessions) on the same app and handlers, the
 *         reference a Node-only team would use, and the floor middleware (the least that shares
 *         this session with Rails, on bench/lib/floor.ts): bench/lib/apps.ts.
 *   (v)   --soak N: N minutes of the read + rewrite case (default 0: none; the soak is 10),
 *         the server's heap after a full GC read every ~30 s: it must not grow.
 *
 *   options: --seconds N (default 5)  --rounds N (default 3)  --smoke (1 s, 1 round)  --soak N (minutes)
 *
 * Exits 1 when the session app answers wrongly, or the flood gets anything but 200s.
 * Adds a `load` section to bench/results.json.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import autocannon from "autocannon";
import { CookieJar } from "../src/jar.js";
import { MODE_NAMES, cookieSessionHeader, rewrittenCookieProblem, type Mode } from "./lib/apps.js";
import { escapeCookieValue, unescapeCookieValue } from "../src/cookie/escape.js";
import { writeResultsSection } from "./lib/results.js";
import { median } from "./lib/timing.js";
import { LOAD_VECTOR, jarOptionsFor, vector } from "./lib/vectors.js";

const argv = process.argv.slice(2);
const SMOKE = argv.includes("--smoke");
const num = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const SECONDS = num("--seconds", SMOKE ? 1 : 5);
const ROUNDS = num("--rounds", SMOKE ? 1 : 3);
const SOAK_MINUTES = num("--soak", 0);
const CONNECTIONS = 10;

const line = vector(LOAD_VECTOR);
const jar = new CookieJar(jarOptionsFor(line));
const failures: string[] = [];

interface Server {
  child: ChildProcess;
  url: string;
}

function startServer(mode: Mode): Promise<Server> {
  const child = fork(resolve(import.meta.dirname, "lib/load-server.ts"), [mode], {
    // BENCH_CPU_PROF=<dir>: profile the server (node --cpu-prof), to see where a request's time goes.
    execArgv: ["--import", "tsx", "--expose-gc", ...(process.env["BENCH_CPU_PROF"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_CPU_PROF"]}`] : [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((res, rej) => {
    child.once("message", (m) => res({ child, url: `http://127.0.0.1:${(m as { port: number }).port}` }));
    child.once("exit", (code) => rej(new Error(`load server (${mode}) exited ${code}`)));
  });
}

const stop = (s: Server) => new Promise<void>((res) => (s.child.once("exit", () => res()), s.child.disconnect()));

interface Stats {
  rss: number;
  heapUsed: number;
  cpuMicros: number;
  systemMicros: number;
}
async function stats(s: Server, gc = false): Promise<Stats> {
  return (await (await fetch(`${s.url}/__stats${gc ? "?gc=1" : ""}`)).json()) as Stats;
}

/** One timed run, with the server's CPU time over it. */
async function measure(c: Case, s: Server, requests: Array<{ headers: Record<string, string> }>, seconds: number): Promise<void> {
  const before = await stats(s);
  const result = await fire(s.url, requests, seconds);
  const after = await stats(s);
  record(c, result);
  c.cpuMicros += after.cpuMicros - before.cpuMicros;
  c.systemMicros += after.systemMicros - before.systemMicros;
}

function fire(url: string, requests: Array<{ headers: Record<string, string> }>, seconds: number) {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: requests.map((r) => ({ method: "GET" as const, path: "/", headers: r.headers })),
  });
}

/** The junk the flood sends: every kind of cookie an attacker or a broken client can send. */
function junkCookies(): string[] {
  const real = unescapeCookieValue(line.value);
  const rnd = (n: number) => randomBytes(n);
  const printable = (n: number) => [...rnd(n)].map((b) => String.fromCharCode(0x21 + (b % 94))).join("").replace(/;/g, ":");
  const flip = (s: string, i: number) => {
    const c = s[i]!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-";
    return s.slice(0, i) + alphabet[(alphabet.indexOf(c) + 1 + (rnd(1)[0]! % 60)) % alphabet.length] + s.slice(i + 1);
  };
  const other = new CookieJar({ ...jarOptionsFor(line), secretKeyBase: randomBytes(64).toString("hex") });
  const session = jar.session.decode(line.name, line.value).value;
  const out: string[] = [];
  for (let i = 0; i < 40; i++) out.push(escapeCookieValue(printable(1 + (rnd(1)[0]! % 200)))); // random strings
  for (let i = 0; i < 20; i++) out.push(escapeCookieValue(rnd(1 + (rnd(1)[0]! % 300)).toString("base64"))); // random base64
  for (let i = 0; i < 30; i++) out.push(escapeCookieValue(real.slice(0, Math.floor((real.length * i) / 30)))); // truncated
  for (let i = 0; i < 40; i++) out.push(escapeCookieValue(flip(real, Math.floor((real.length * i) / 40)))); // one character changed
  for (let i = 0; i < 10; i++) out.push(escapeCookieValue(`${real}--${printable(i + 1)}`)); // extra parts
  out.push("A".repeat(5000), escapeCookieValue(rnd(3750).toString("base64")), escapeCookieValue(real.repeat(6)).slice(0, 5120)); // 5 KB
  for (let i = 0; i < 10; i++) out.push(other.session.set(line.name, session)); // wrong secret
  out.push(jar.encrypted.set("another_cookie", session)); // right secret, other cookie's purpose
  out.push(jar.signed.set(line.name, session)); // signed, not encrypted
  out.push("%FF%FE%00", "%", "%%41", "--", "----", "a--b--c", "=", "\"quoted\"", "");
  return out;
}

interface Case {
  name: string;
  rounds: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
  total: number;
  /** Server CPU time (user + system) over the timed runs, and the system part of it. */
  cpuMicros: number;
  systemMicros: number;
}

const newCase = (name: string): Case => ({ name, rounds: [], statuses: {}, errors: 0, timeouts: 0, non2xx: 0, total: 0, cpuMicros: 0, systemMicros: 0 });

function record(c: Case, r: autocannon.Result): void {
  c.rounds.push(r.requests.average);
  c.errors += r.errors;
  c.timeouts += r.timeouts;
  c.non2xx += r.non2xx;
  c.total += r.requests.total;
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) c.statuses[code] = (c.statuses[code] ?? 0) + (stat as { count: number }).count;
}

async function main(): Promise<void> {
  const startLoad = loadavg();
  // Timed in this order every round; reported in REPORTED's.
  const TIMED: Mode[] = ["baseline", "baseline-cookie", "session", "session-read", "session-read-uncached", "cookie-session", "cookie-session-read", "floor", "floor-read"];
  const REPORTED: Mode[] = ["baseline", "baseline-cookie", "session-read", "session-read-uncached", "session", "cookie-session-read", "cookie-session", "floor-read", "floor"];
  const servers = new Map<Mode, Server>();
  for (const mode of TIMED) servers.set(mode, await startServer(mode));
  const server = (mode: Mode) => servers.get(mode)!;
  const session = server("session");
  const cookie = `${line.session_key}=${line.value}`;
  // cookie-session's own cookies (value + .sig) holding the same session.
  const seed = await fetch(`${server("cookie-session").url}/__seed`);
  const csCookie = cookieSessionHeader(seed.headers.getSetCookie());
  const requestsOf = (mode: Mode) => [{ headers: { cookie: mode.startsWith("cookie-session") ? csCookie : cookie } }];

  // The session apps (ours and the floor's) must read the real cookie and write back the same
  // session plus the counter, as a cookie Rails' own options open.
  for (const mode of ["session", "floor"] as const) {
    const check = await fetch(`${server(mode).url}/`, { headers: { cookie } });
    const body = (await check.json()) as { user: unknown; hits: unknown };
    const problem = rewrittenCookieProblem(check.headers.get("set-cookie") ?? undefined);
    if (check.status !== 200 || body.user !== 42 || body.hits !== 1) failures.push(`${mode} app answered ${check.status} ${JSON.stringify(body)}`);
    else if (problem !== null) failures.push(`${mode} app: ${problem}`);
  }

  const cases = new Map<Mode, Case>(TIMED.map((mode) => [mode, newCase(MODE_NAMES[mode])]));
  for (const mode of TIMED) await fire(server(mode).url, requestsOf(mode), 1); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of TIMED) await measure(cases.get(mode)!, server(mode), requestsOf(mode), SECONDS);
  }
  for (const c of cases.values()) if (c.non2xx || c.errors || c.timeouts) failures.push(`${c.name}: ${c.non2xx} non-2xx, ${c.errors} errors, ${c.timeouts} timeouts`);

  // Flood. First every junk cookie once, by hand: each must get a 200 and a fresh session.
  const junk = junkCookies();
  for (const j of junk) {
    const r = await fetch(`${session.url}/`, { headers: { cookie: `${line.session_key}=${j}` } });
    const b = (await r.json().catch(() => null)) as { user: unknown; hits: unknown } | null;
    if (r.status !== 200 || b?.user !== null || b?.hits !== 1) failures.push(`junk cookie ${j.slice(0, 60)}… → ${r.status} ${JSON.stringify(b)}`);
  }
  const before = await stats(session, true);
  const flood = newCase(`flood (${junk.length} junk/tampered cookies, cycled)`);
  await measure(flood, session, junk.map((j) => ({ headers: { cookie: `${line.session_key}=${j}` } })), SECONDS * ROUNDS);
  const after = await stats(session, true);
  const ok200 = flood.statuses["200"] ?? 0;
  const fivexx = Object.entries(flood.statuses).filter(([k]) => k.startsWith("5")).reduce((a, [, n]) => a + n, 0);
  if (ok200 !== flood.total || fivexx || flood.errors || flood.timeouts) {
    failures.push(`flood: ${ok200}/${flood.total} 200s, ${fivexx} 5xx, ${flood.errors} errors, ${flood.timeouts} timeouts`);
  }

  // Soak (off by default): the read + rewrite case for SOAK_MINUTES, heap after a full GC sampled.
  const soak: Array<{ minute: number; heapUsed: number; rss: number; requests: number }> = [];
  if (SOAK_MINUTES > 0) {
    const t0 = Date.now();
    soak.push({ minute: 0, ...(await stats(session, true)), requests: 0 });
    let requests = 0;
    while (Date.now() - t0 < SOAK_MINUTES * 60_000) {
      const r = await fire(session.url, [{ headers: { cookie } }], Math.min(30, Math.ceil((SOAK_MINUTES * 60_000 - (Date.now() - t0)) / 1000)));
      requests += r.requests.total;
      if (r.non2xx || r.errors) failures.push(`soak: ${r.non2xx} non-2xx, ${r.errors} errors`);
      soak.push({ minute: (Date.now() - t0) / 60_000, ...(await stats(session, true)), requests });
    }
  }
  await Promise.all([...servers.values()].map(stop));

  const rps = (c: Case) => median(c.rounds);
  // The table's rows and results.json's cases, in one order.
  const without = cases.get("baseline")!;
  const reported = [...REPORTED.map((mode) => cases.get(mode)!), flood];
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const table = [
    "| case | req/s (median) | vs baseline | server CPU µs/request (system) | requests | 200 | non-2xx | errors |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...reported.map(
      (c) =>
        `| ${c.name} | ${Math.round(rps(c)).toLocaleString("en-US")} | ${(rps(c) / rps(without)).toFixed(2)}× | ${(c.cpuMicros / c.total).toFixed(0)} (${(c.systemMicros / c.total).toFixed(0)}) | ${c.total.toLocaleString("en-US")} | ${(c.statuses["200"] ?? 0).toLocaleString("en-US")} | ${c.non2xx} | ${c.errors + c.timeouts} |`,
    ),
  ].join("\n");
  let memoryLine = `flood server memory: RSS ${mb(before.rss)} before → ${mb(after.rss)} after; heap in use after full GC ${mb(before.heapUsed)} → ${mb(after.heapUsed)}`;
  if (soak.length > 1) {
    const first = soak[0]!;
    const last = soak[soak.length - 1]!;
    memoryLine += `\nsoak: ${last.minute.toFixed(1)} min of read + rewrite, ${last.requests.toLocaleString("en-US")} requests; heap after full GC ${soak.map((p) => mb(p.heapUsed)).join(" → ")}; RSS ${mb(first.rss)} → ${mb(last.rss)}`;
  }
  console.log(
    `\nrails-cookie-codec middleware load — ${new Date().toISOString()}\nnode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model}), autocannon ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per case; load average at start ${startLoad.map((x) => x.toFixed(2)).join(" ")}, at end ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n\n${table}\n\n${memoryLine}`,
  );

  writeResultsSection(
    "load",
    {
      date: new Date().toISOString(),
      smoke: SMOKE,
      node: process.version,
      cpu: cpus()[0]?.model,
      cpus: cpus().length,
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      soak,
      cases: reported.map((c) => ({ ...c, reqPerSec: rps(c), vsBaseline: rps(c) / rps(without), serverCpuMicrosPerRequest: c.cpuMicros / c.total })),
      flood: { junkCookies: junk.length, memoryBefore: before, memoryAfter: after },
      table,
      failures,
    },
    SMOKE,
  );
  if (failures.length) {
    console.error(`\n✗ ${failures.join("\n✗ ")}`);
    process.exit(1);
  }
  console.log("\n✓ the session app read and rewrote the Rails cookie; the flood got only 200s.");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
