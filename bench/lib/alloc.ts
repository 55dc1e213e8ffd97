/**
 * Bytes allocated per operation: the JS heap in use grows by what a run of `n` operations
 * allocates, as long as no garbage collection runs in between. So: full GC, `n` operations,
 * heap delta ÷ n; a window in which a GC ran (seen by a `gc` PerformanceObserver) is thrown away
 * and tried again with half as many operations. The median of the clean windows is reported.
 * Counts what V8's heap holds (objects, strings, closures, the headers of Buffers), not Buffer
 * contents outside it (OpenSSL output goes there; `external` is not a per-operation figure).
 */
import { PerformanceObserver } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { median } from "./timing.js";

let gcFn: (() => void) | undefined;
function fullGc(): void {
  if (!gcFn) {
    // `--expose-gc` without restarting node: set the flag, then take `gc` from a fresh context.
    setFlagsFromString("--expose-gc");
    gcFn = ((globalThis as { gc?: () => void }).gc ?? runInNewContext("gc")) as () => void;
  }
  gcFn();
}

let gcs = 0;
let observer: PerformanceObserver | undefined;
function watchGc(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => void (gcs += list.getEntries().length));
  observer.observe({ entryTypes: ["gc"] });
}
// PerformanceObserver entries arrive asynchronously: let them land before reading the count.
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Median bytes allocated per call of `op` (sync or async), over `windows` clean windows of up to `n` calls. */
export async function bytesPerOp(op: () => unknown, n = 100, windows = 5): Promise<number> {
  watchGc();
  const results: number[] = [];
  for (let tries = 0; results.length < windows && tries < windows * 6; tries++) {
    fullGc();
    await settle();
    const seen = gcs;
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      const r = op() as { then?: unknown } | undefined;
      // Any thenable (light-my-request's inject answers a chain object, not a Promise).
      if (r !== null && typeof r === "object" && typeof r.then === "function") await r;
    }
    const after = process.memoryUsage().heapUsed;
    await settle();
    if (gcs !== seen) {
      n = Math.max(5, n >> 1);
      continue;
    }
    results.push((after - before) / n);
  }
  return results.length ? median(results) : NaN;
}
