/**
 * The Express middleware's cost in process (`npm run bench:middleware`, and part of `npm run
 * bench`): the apps of bench/lib/apps.ts driven by light-my-request's `inject` (Express's own
 * req/res code, no sockets), so no load generator competes for the 2 cores and rounds of all cases
 * interleave in one process. Per case: CPU µs per request (process.cpuUsage over each round, so
 * time the scheduler gives other work does not count; median of rounds), and heap bytes allocated
 * per request (bench/lib/alloc.ts). bench/load.ts measures the same apps over loopback.
 *
 *   options: --rounds N (default 11)  --ms N (default 200)  --smoke  --ab <rev> (railsSession of
 *            another revision's src/ too, side by side)  --json (print the result as JSON)
 */
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import inject from "light-my-request";
import type { Express } from "express";
import { railsSession } from "../src/express.js";
import { bytesPerOp } from "./lib/alloc.js";
import { buildApp, cookieSessionHeader, railsCookieHeader, readsOnly, rewrittenCookieProblem, type Mode } from "./lib/apps.js";
import { checkout } from "./lib/revision.js";
import { median, timeAsync } from "./lib/timing.js";

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const SMOKE = argv.includes("--smoke");
const ROUNDS = Number(opt("--rounds") ?? (SMOKE ? 1 : 11));
const MS = Number(opt("--ms") ?? (SMOKE ? 20 : 200));
const AB = opt("--ab");

interface Case {
  name: string;
  app: Express;
  mode: Mode;
  headers: Record<string, string>;
  us: number[];
  bytes?: number;
}

const request = (c: Case) => inject(c.app, { method: "GET", url: "/", headers: c.headers });

async function cookieSessionCookie(): Promise<string> {
  const seed = await inject(buildApp("cookie-session"), { method: "GET", url: "/__seed" });
  return cookieSessionHeader(([] as string[]).concat(seed.headers["set-cookie"] ?? []));
}

export async function middlewareBench(): Promise<{ table: string; cases: Array<{ name: string; usPerRequest: number; vsBaseline: number; bytesPerRequest: number }>; failures: string[] }> {
  const csCookie = await cookieSessionCookie();
  const rails = { cookie: railsCookieHeader };
  const cases: Case[] = [
    { name: "baseline (same app, no session middleware)", mode: "baseline", headers: rails },
    { name: "baseline + fixed Set-Cookie of the same size", mode: "baseline-cookie", headers: rails },
    { name: "railsSession, handler only reads", mode: "session-read", headers: rails },
    { name: "railsSession, handler only reads, verifiedCookieCache: 0", mode: "session-read-uncached", headers: rails },
    { name: "railsSession, handler changes the session", mode: "session", headers: rails },
    { name: "cookie-session, handler only reads", mode: "cookie-session-read", headers: { cookie: csCookie } },
    { name: "cookie-session, handler changes the session", mode: "cookie-session", headers: { cookie: csCookie } },
    { name: "floor middleware (gcmFloor), handler only reads", mode: "floor-read", headers: rails },
    { name: "floor middleware (gcmFloor), handler changes the session", mode: "floor", headers: rails },
  ].map((c) => ({ ...c, mode: c.mode as Mode, app: buildApp(c.mode as Mode), us: [] }));
  if (AB) {
    const { sha, dir } = checkout(AB);
    const before = ((await import(pathToFileURL(resolve(dir, "src/express.ts")).href)) as { railsSession: typeof railsSession }).railsSession;
    for (const mode of ["session-read", "session"] as const) {
      cases.push({ name: `${sha}: railsSession, handler ${mode === "session" ? "changes the session" : "only reads"}`, mode, headers: rails, app: buildApp(mode, before), us: [] });
    }
  }

  // Every app must answer as the handler says: the Rails session read (user 42), the counter written.
  const failures: string[] = [];
  for (const c of cases) {
    const r = await request(c);
    const body = r.json() as { user: unknown; hits: unknown };
    const wrote = r.headers["set-cookie"] !== undefined;
    const writes = c.mode === "session" || c.mode === "cookie-session" || c.mode === "baseline-cookie" || c.mode === "floor";
    if (r.statusCode !== 200 || body.user !== 42 || body.hits !== (readsOnly(c.mode) ? null : 1) || wrote !== writes) {
      failures.push(`${c.name}: ${r.statusCode} ${JSON.stringify(body)}, Set-Cookie ${wrote}`);
    } else if (c.mode === "session" || c.mode === "floor") {
      const problem = rewrittenCookieProblem(String(r.headers["set-cookie"]));
      if (problem !== null) failures.push(`${c.name}: ${problem}`);
    }
  }

  for (const c of cases) await timeAsync(() => request(c), SMOKE ? 5 : 200);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of r % 2 ? [...cases].reverse() : cases) c.us.push(1e6 / (await timeAsync(() => request(c), MS)).cpuOps);
  }
  for (const c of cases) c.bytes = await bytesPerOp(() => request(c), SMOKE ? 10 : 50, SMOKE ? 1 : 5);

  const base = median(cases[0]!.us);
  // vs baseline: the median of each round's ratio (the two ran next to each other in that round,
  // so a burst on the machine hits both), as bench/run.ts does.
  const rows = cases.map((c) => ({ name: c.name, usPerRequest: median(c.us), vsBaseline: median(c.us.map((us, i) => cases[0]!.us[i]! / us)), bytesPerRequest: c.bytes ?? NaN }));
  const table = [
    "| case | CPU µs per request (median) | requests per CPU-second vs baseline | over baseline | heap allocated per request |",
    "|---|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.usPerRequest.toFixed(1)} | ${r.vsBaseline.toFixed(2)}× | ${(r.usPerRequest - base).toFixed(1)} µs | ${(r.bytesPerRequest / 1024).toFixed(1)} KiB |`,
    ),
  ].join("\n");
  return { table, cases: rows, failures };
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const start = loadavg();
  const result = await middlewareBench();
  const end = loadavg();
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `rails-cookie-codec middleware in process — ${new Date().toISOString()}\nnode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model}); light-my-request inject, ${ROUNDS} interleaved rounds × ${MS} ms; load average at start ${la(start)}, at end ${la(end)}\n\n${result.table}`,
  );
  if (argv.includes("--json")) console.log(JSON.stringify(result));
  if (result.failures.length) {
    console.error(`\n✗ ${result.failures.join("\n✗ ")}`);
    process.exit(1);
  }
}
