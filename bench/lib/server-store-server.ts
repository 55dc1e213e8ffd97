/**
 * The Express app bench/server-store.ts fires at, in its own process, on a real Redis (RCC_REDIS_URL).
 * `mode`:
 *   rails            railsSession (src/express.ts) over RedisCacheStore (Rails' :cache_store on
 *                    :redis_cache_store, load_defaults 7.1), node-redis 5 client;
 *   express-session  express-session 1.19 + connect-redis 10 on the same Redis and client kind,
 *                    `resave: false, saveUninitialized: false` (what a Node-only team runs);
 *   none             the same handlers without any session.
 * Routes: POST /login (user_id = 42), GET /read (reads user_id), GET /write (increments a counter,
 * so the session is written back every request). Listens on 127.0.0.1, reports its port over IPC.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";
import express from "express";
import { createClient } from "redis";
import { railsSession } from "../../src/express.js";
import { RedisCacheStore } from "../../src/stores/redisCacheStore.js";

const mode = process.argv[2] ?? "rails";
const require = createRequire(resolve(import.meta.dirname, "../package.json"));
const client = createClient({ url: process.env["RCC_REDIS_URL"] });
await client.connect();

const app = express();
app.disable("x-powered-by");
// Answered before any session middleware: the CPU time this process has used, so the bench can
// report server CPU per request (robust on a shared 2-core machine, unlike req/s alone).
app.get("/__stats", (_req, res) => {
  const cpu = process.cpuUsage();
  res.json({ cpuMicros: cpu.user + cpu.system });
});
if (mode === "rails") {
  app.use(railsSession({ key: "_bench_session", store: new RedisCacheStore({ client, namespace: "rcc-bench", loadDefaults: "7.1" }), loadDefaults: "7.1" }));
} else if (mode === "express-session") {
  // Untyped on purpose: bench/node_modules carries no @types; these are the documented calls.
  const session = require("express-session") as (options: object) => express.RequestHandler;
  const { RedisStore } = require("connect-redis") as { RedisStore: new (options: object) => object };
  app.use(session({ store: new RedisStore({ client, prefix: "rcc-bench-es:" }), secret: "bench secret", resave: false, saveUninitialized: false }));
} else if (mode !== "none") throw new Error(`unknown mode ${mode}`);

type Req = express.Request & { session?: Record<string, unknown> };
const plain: Record<string, unknown> = {};
const sessionOf = (req: Req) => req.session ?? plain;
app.post("/login", (req, res) => {
  sessionOf(req)["user_id"] = 42;
  res.send("ok");
});
app.get("/read", (req, res) => res.json({ user: sessionOf(req)["user_id"] ?? null }));
app.get("/write", (req, res) => {
  const s = sessionOf(req);
  s["hits"] = ((s["hits"] as number | undefined) ?? 0) + 1;
  res.json({ user: s["user_id"] ?? null, hits: s["hits"] });
});
const server = app.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as { port: number }).port }));
process.on("disconnect", () => {
  server.close();
  void client.close();
});
