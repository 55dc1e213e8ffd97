/**
 * Server-side sessions in SQL under load (`npm run bench:sql`): an Express app on 127.0.0.1 with
 * railsSession + ActiveRecordStore against express-session with its common SQL stores, same
 * database, same session (the one real Rails 8.0.5 stored via activerecord-session_store), in one run:
 *   SQLite file:  ActiveRecordStore (better-sqlite3)  vs  better-sqlite3-session-store
 *   PostgreSQL:   ActiveRecordStore (pg)              vs  connect-pg-simple   (needs --pg URL or RCC_PG_URL)
 * Handlers: /read (reads user_id) and /write (changes the session every request). autocannon, 10
 * connections; each case alternates over ROUNDS rounds of SECONDS; req/s is the median.
 *
 *   options: --seconds N (default 3)  --rounds N (default 2)  --pg URL  --smoke (0.5 s, 1 round)
 *
 * Exits 1 when an app answers wrongly. Adds an `sql` section to bench/results.json.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { ensurePeersInstalled } from "./lib/peers.js";
import { writeResultsSection } from "./lib/results.js";
import { median } from "./lib/timing.js";

const argv = process.argv.slice(2);
const SMOKE = argv.includes("--smoke");
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const SECONDS = Number(opt("--seconds") ?? (SMOKE ? 0.5 : 3));
const ROUNDS = Number(opt("--rounds") ?? (SMOKE ? 1 : 2));
const PG = opt("--pg") ?? process.env["RCC_PG_URL"];

ensurePeersInstalled(["express-session", "connect-pg-simple", "better-sqlite3-session-store"]);

interface Server {
  child: ChildProcess;
  url: string;
  cookie: string;
}

async function start(mode: string, database: string, table: string): Promise<Server> {
  const child = fork(resolve(import.meta.dirname, "lib/sql-server.ts"), [mode, database, table], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((res, rej) => {
    child.once("message", (m) => res((m as { port: number }).port));
    child.once("exit", (code) => rej(new Error(`sql server (${mode}) exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const seeded = await fetch(`${url}/seed`);
  const body = (await seeded.json()) as { cookie?: string };
  const cookie = body.cookie ?? seeded.headers.get("set-cookie")!.split(";")[0]!;
  // Checked once: the session reads back as Rails stored it.
  const check = (await (await fetch(`${url}/read`, { headers: { cookie } })).json()) as { user: unknown };
  if (check.user !== 42) throw new Error(`${mode}: the seeded session reads user ${JSON.stringify(check.user)}, not 42`);
  return { child, url, cookie };
}

async function fire(server: Server, path: string): Promise<{ rps: number; errors: number }> {
  const r = await autocannon({ url: server.url, connections: 10, duration: SECONDS, requests: [{ method: "GET", path, headers: { cookie: server.cookie } }] });
  return { rps: r.requests.average, errors: r.errors + r.non2xx };
}

const cases: { db: string; ours: string; theirs: string; database: string }[] = [];
const dir = mkdtempSync(join(tmpdir(), "rcc-bench-sql-"));
cases.push({ db: "SQLite file", ours: "rails-sqlite", theirs: "express-sqlite", database: "" });
if (PG) cases.push({ db: "PostgreSQL", ours: "rails-pg", theirs: "express-pg", database: PG });
else console.log("PostgreSQL cases skipped: give --pg postgres://… or RCC_PG_URL");

const rows: Record<string, unknown>[] = [];
let failed = false;
try {
  for (const c of cases) {
    const table = `bench_sessions_${process.pid}`;
    const servers = {
      ours: await start(c.ours, c.database || join(dir, "ours.sqlite3"), `${table}_ours`),
      theirs: await start(c.theirs, c.database || join(dir, "theirs.sqlite3"), `${table}_theirs`),
    };
    try {
      for (const path of ["/read", "/write"]) {
        const runs: Record<"ours" | "theirs", number[]> = { ours: [], theirs: [] };
        for (let round = 0; round < ROUNDS; round++) {
          for (const who of ["ours", "theirs"] as const) {
            const r = await fire(servers[who], path);
            if (r.errors > 0) {
              failed = true;
              console.error(`${c.db} ${who} ${path}: ${r.errors} errors`);
            }
            runs[who].push(r.rps);
          }
        }
        const row = {
          database: c.db,
          handler: path,
          railsSession_ActiveRecordStore_rps: Math.round(median(runs.ours)),
          express_session_rps: Math.round(median(runs.theirs)),
          express_session_store: c.theirs === "express-pg" ? "connect-pg-simple" : "better-sqlite3-session-store",
          ratio: Number((median(runs.ours) / median(runs.theirs)).toFixed(2)),
        };
        rows.push(row);
      }
    } finally {
      for (const s of Object.values(servers)) s.child.disconnect();
    }
    if (c.database) {
      // Drop the PostgreSQL tables the run created.
      const { default: pg } = await import("pg");
      const pool = new pg.Pool({ connectionString: c.database, max: 1 });
      await pool.query(`DROP TABLE IF EXISTS "${table}_ours", "${table}_theirs"`);
      await pool.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.table(rows);
writeResultsSection("sql", { date: new Date().toISOString().slice(0, 10), seconds: SECONDS, rounds: ROUNDS, smoke: SMOKE, results: rows }, SMOKE);
if (failed) process.exit(1);
