/**
 * The Express app bench/load.ts fires at (bench/lib/apps.ts, `mode` from argv), run in its own
 * process so that the load generator does not share its event loop. Listens on 127.0.0.1 only, on
 * a free port it reports over IPC. GET /__stats (answered before any middleware) reports RSS, the
 * heap in use (after a full GC with ?gc=1) and the CPU time the process has used, so bench/load.ts
 * can tell server CPU per request apart from what the load generator (on the same 2 cores) can push.
 */
import { MODES, buildApp, type Mode } from "./apps.js";

const mode = (process.argv[2] ?? "session") as Mode;
if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}`);

const app = buildApp(mode, undefined, (a) =>
  a.get("/__stats", (req, res) => {
    if (req.query["gc"] === "1") (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    res.json({ rss: m.rss, heapUsed: m.heapUsed, cpuMicros: cpu.user + cpu.system, systemMicros: cpu.system });
  }),
);

const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send!({ port: typeof address === "object" && address ? address.port : 0 });
});
process.on("disconnect", () => server.close(() => process.exit(0)));
