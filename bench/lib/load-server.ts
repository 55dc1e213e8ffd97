/**
 * The Express app bench/load.ts fires at, run in its own process so that the load generator does
 * not share its event loop. `mode`:
 *   session   railsSession (src/express.ts) with the app configuration of a real Rails 8.0.5
 *             session cookie; the handler reads `req.session.user_id` and increments a counter in
 *             the session, so every response rewrites the cookie.
 *   session-read  railsSession, but the handler only reads `req.session.user_id`: nothing changes,
 *             so no cookie is written (what reading alone costs).
 *   baseline  the same app and handler without the middleware (the handler counts in a plain object).
 *   baseline-cookie  baseline, plus a fixed Set-Cookie as long as the session cookie: what sending
 *             the cookie costs HTTP, apart from what making it costs us.
 * Listens on 127.0.0.1 only, on a free port it reports over IPC. GET /__stats (answered before
 * any middleware) reports RSS, the heap in use (after a full GC with ?gc=1) and the CPU time the
 * process has used, so bench/load.ts can tell server CPU per request apart from what the load
 * generator (on the same 2 cores) can push.
 */
import express from "express";
import { railsSession } from "../../src/express.js";
import { LOAD_VECTOR, jarOptionsFor, vector } from "./vectors.js";

const mode = process.argv[2] ?? "session";
if (!["session", "session-read", "baseline", "baseline-cookie"].includes(mode)) throw new Error(`unknown mode ${mode}`);
const line = vector(LOAD_VECTOR);

// As long as the Set-Cookie railsSession sends for this session.
const FIXED_COOKIE = `${line.session_key}=${line.value}; path=/; HttpOnly; SameSite=Lax`;

const app = express();
app.disable("x-powered-by");
app.get("/__stats", (req, res) => {
  if (req.query["gc"] === "1") (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  res.json({ rss: m.rss, heapUsed: m.heapUsed, cpuMicros: cpu.user + cpu.system, systemMicros: cpu.system });
});
if (mode.startsWith("session")) app.use(railsSession({ ...jarOptionsFor(line), key: line.session_key }));
app.get("/", (req, res) => {
  const session = mode.startsWith("session") ? (req as unknown as { session: Record<string, unknown> }).session : { user_id: 42 };
  if (mode === "session-read") {
    res.json({ user: session["user_id"] ?? null, hits: null });
    return;
  }
  const hits = typeof session["hits"] === "number" ? session["hits"] + 1 : 1;
  session["hits"] = hits;
  if (mode === "baseline-cookie") res.setHeader("Set-Cookie", FIXED_COOKIE);
  res.json({ user: session["user_id"] ?? null, hits });
});

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send!({ port: typeof address === "object" && address ? address.port : 0 });
});
process.on("disconnect", () => server.close(() => process.exit(0)));
