/**
 * The Express app bench/sql-store.ts fires at, in its own process. argv: <mode> <database> <table>.
 *   rails-sqlite    railsSession + ActiveRecordStore on a better-sqlite3 file (<database> = its path)
 *   express-sqlite  express-session + better-sqlite3-session-store on the same kind of file
 *   rails-pg        railsSession + ActiveRecordStore on a pg Pool (<database> = a postgres:// URL)
 *   express-pg      express-session + connect-pg-simple on the same PostgreSQL
 * GET /read reads user_id; GET /write counts in the session (every request writes). The session is
 * the one real Rails 8.0.5 stored through activerecord-session_store (`session_rich`, :marshal);
 * GET /seed creates it and answers the cookie to send. 127.0.0.1 only; port reported over IPC.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import express from "express";
import { railsSession } from "../../src/express.js";
import { ActiveRecordStore } from "../../src/stores/activeRecordStore.js";
import { sessionIdFor } from "../../src/stores/types.js";
import { decodeJson } from "../../src/serializers/json.js";

const [mode = "rails-sqlite", database = "", table = "sessions"] = process.argv.slice(2);
const requireBench = createRequire(resolve(import.meta.dirname, "../package.json"));
const requireRoot = createRequire(resolve(import.meta.dirname, "../../package.json"));

type Line = { rails: string; serializer: string; scenario: string; secure_session_only: boolean; row: { data: string }; rails_reads: Record<string, unknown> };
const line = readFileSync(resolve(import.meta.dirname, "../../fixtures/rails-ar-sessions/vectors.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => decodeJson(l) as Line)
  .find((l) => l.rails === "8.0.5" && l.serializer === "marshal" && l.scenario === "session_rich" && !l.secure_session_only)!;

const PUBLIC_ID = "0123456789abcdef0123456789abcdef";
const app = express();
app.disable("x-powered-by");
let seed: (req: express.Request, res: express.Response) => Promise<void>;

if (mode.startsWith("rails")) {
  let client: unknown;
  if (mode === "rails-sqlite") {
    const Database = requireRoot("better-sqlite3") as new (path: string) => { pragma(s: string): unknown };
    const db = new Database(database);
    db.pragma("journal_mode = WAL");
    client = db;
  } else {
    const pg = requireRoot("pg") as { Pool: new (o: object) => unknown };
    client = new pg.Pool({ connectionString: database, max: 10 });
  }
  const store = new ActiveRecordStore({ client: client as never, tableName: table });
  await store.createTable();
  app.use(railsSession({ key: "_app_session", store, loadDefaults: "8.0" }));
  seed = async (_req, res) => {
    await store.writeSession(sessionIdFor(PUBLIC_ID), store.loadData(line.row.data), { now: new Date(), expireAfter: null });
    res.json({ cookie: `_app_session=${PUBLIC_ID}` });
  };
} else {
  const session = requireBench("express-session") as ((o: object) => express.RequestHandler) & { Store: unknown };
  let store: unknown;
  if (mode === "express-sqlite") {
    const Database = requireRoot("better-sqlite3") as new (path: string) => { pragma(s: string): unknown };
    const db = new Database(database);
    db.pragma("journal_mode = WAL");
    const SqliteStore = (requireBench("better-sqlite3-session-store") as (s: unknown) => new (o: object) => unknown)(session);
    store = new SqliteStore({ client: db, expired: { clear: false } });
  } else {
    const pg = requireRoot("pg") as { Pool: new (o: object) => unknown };
    const PgStore = (requireBench("connect-pg-simple") as (s: unknown) => new (o: object) => unknown)(session);
    store = new PgStore({ pool: new pg.Pool({ connectionString: database, max: 10 }), tableName: table, createTableIfMissing: true, pruneSessionInterval: false });
  }
  app.use(session({ store, secret: "bench-secret", resave: false, saveUninitialized: false, name: "connect.sid" }));
  seed = async (req, res) => {
    Object.assign((req as unknown as { session: object }).session, line.rails_reads);
    res.json({ ok: true });
  };
}

app.get("/seed", (req, res, next) => void seed(req, res).catch(next));
app.get("/read", (req, res) => {
  const s = (req as unknown as { session: Record<string, unknown> }).session;
  res.json({ user: s["user_id"] ?? null });
});
app.get("/write", (req, res) => {
  const s = (req as unknown as { session: Record<string, unknown> }).session;
  s["hits"] = typeof s["hits"] === "number" ? s["hits"] + 1 : 1;
  res.json({ user: s["user_id"] ?? null, hits: s["hits"] });
});

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send!({ port: typeof address === "object" && address ? address.port : 0 });
});
process.on("disconnect", () => server.close(() => process.exit(0)));
