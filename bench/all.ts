/**
 * `npm run bench`: every table in one command, one after the other so no two compete for the 2
 * cores: the codec (bench/run.ts), the middleware in process (bench/middleware.ts) and under load
 * over loopback (bench/load.ts). Prints the machine and its load average first; each part prints
 * its own at its start and end. Arguments go to every part (`--smoke` for CI).
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";

const args = process.argv.slice(2);
const la = () => loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`rails-cookie-codec benchmarks — ${new Date().toISOString()}\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}; load average ${la()}`);
let failed = false;
for (const part of ["run.ts", "middleware.ts", "load.ts", "instructions.ts"]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, part), ...args], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
console.log(`\nall benchmarks done — ${new Date().toISOString()}; load average ${la()}`);
process.exit(failed ? 1 : 0);
