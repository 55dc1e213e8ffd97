/**
 * Server-side sessions under load (`npm run bench:server-store`): autocannon against Express on
 * 127.0.0.1 and a real local Redis (RCC_REDIS_URL), each server in its own process
 * (bench/lib/server-store-server.ts): railsSession + RedisCacheStore, express-session + connect-redis,
 * and no session at all, on a read-only and a changing handler, in one run. req/s is the median of
 * ROUNDS rounds of SECONDS each, the modes alternating.
 *
 *   options: --seconds N (default 3)  --rounds N (default 2)  --smoke (1 s, 1 round)
 *
 * Exits 1 when an app answers wrongly (the session must hold user 42 on every request).
 * Adds a `serverStore` section to bench/results.json.
 */
import { fork, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import autocannon from "autocannon";
import { ensurePeersInstalled } from "./lib/peers.js";
import { writeResultsSection } from "./lib/results.js";
import { median } from "./lib/timing.js";

const argv = process.argv.slice(2);
const SMOKE = argv.includes("--smoke");
const num = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const SECONDS = num("--seconds", SMOKE ? 1 : 3);
const ROUNDS = num("--rounds", SMOKE ? 1 : 2);
const MODES = ["rails", "express-session", "none"] as const;
const ROUTES = ["read", "write"] as const;

if (!process.env["RCC_REDIS_URL"]) {
  console.error("bench:server-store needs a Redis: set RCC_REDIS_URL (e.g. .ci/services/redis.sh start; RCC_REDIS_URL=redis://127.0.0.1:16379)");
  process.exit(process.env["CI"] === "true" ? 1 : 0);
}
ensurePeersInstalled();

async function start(mode: string): Promise<{ child: ChildProcess; url: string; cookie: string }> {
  const child = fork(resolve(import.meta.dirname, "lib/server-store-server.ts"), [mode], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((res, rej) => {
    child.once("message", (m) => res((m as { port: number }).port));
    child.once("exit", (code) => rej(new Error(`server (${mode}) exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const login = await fetch(`${url}/login`, { method: "POST" });
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  if (mode !== "none" && cookie === "") throw new Error(`${mode}: no session cookie after /login`);
  const check = await (await fetch(`${url}/read`, { headers: { cookie } })).json();
  if ((check as { user: unknown }).user !== 42) throw new Error(`${mode}: /read gave ${JSON.stringify(check)}, not user 42`);
  return { child, url, cookie };
}

const servers = Object.fromEntries(await Promise.all(MODES.map(async (m) => [m, await start(m)] as const)));
const rates: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
const cpuOf = async (url: string) => ((await (await fetch(`${url}/__stats`)).json()) as { cpuMicros: number }).cpuMicros;
let failed = false;
for (let round = 0; round < ROUNDS; round++) {
  for (const route of ROUTES) {
    for (const mode of MODES) {
      const { url, cookie } = servers[mode]!;
      const cpuBefore = await cpuOf(url);
      const r = await autocannon({ url: `${url}/${route}`, connections: 10, duration: SECONDS, requests: [{ method: "GET", headers: { cookie } }] });
      if (r.non2xx > 0 || r.errors > 0) {
        failed = true;
        console.error(`${mode} /${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      }
      (rates[`${mode} ${route}`] ??= []).push(r.requests.average);
      (cpu[`${mode} ${route}`] ??= []).push(((await cpuOf(url)) - cpuBefore) / Math.max(1, r.requests.total));
    }
  }
}
for (const { child } of Object.values(servers)) child.disconnect();

const result: Record<string, unknown> = { seconds: SECONDS, rounds: ROUNDS, date: new Date().toISOString().slice(0, 10) };
console.log(`\nserver-side sessions on a local Redis, req/s (median of ${ROUNDS} × ${SECONDS} s, 10 connections)`);
console.log("handler   railsSession+RedisCacheStore   express-session+connect-redis   no session   rails/express-session");
for (const route of ROUTES) {
  const [rails, es, none] = MODES.map((m) => median(rates[`${m} ${route}`]!));
  const [railsCpu, esCpu, noneCpu] = MODES.map((m) => median(cpu[`${m} ${route}`]!));
  result[route] = { railsSession: rails, expressSession: es, none, ratio: rails! / es!, serverCpuMicrosPerRequest: { railsSession: railsCpu, expressSession: esCpu, none: noneCpu } };
  console.log(`${route.padEnd(9)} ${rails!.toFixed(0).padStart(29)} ${es!.toFixed(0).padStart(31)} ${none!.toFixed(0).padStart(12)} ${(rails! / es!).toFixed(2).padStart(22)}×`);
  console.log(`  server CPU µs/request ${railsCpu!.toFixed(0).padStart(15)} ${esCpu!.toFixed(0).padStart(31)} ${noneCpu!.toFixed(0).padStart(12)}`);
}
writeResultsSection("serverStore", result, SMOKE);
if (failed) process.exit(1);
