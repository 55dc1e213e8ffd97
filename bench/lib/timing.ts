/**
 * Timing: every contender runs in short rounds, and the rounds of all contenders are interleaved
 * (round 1 of everyone, then round 2 of everyone, …) so that noise from the machine hits all of
 * them alike. A contender's figure is the median of its rounds' ops/s.
 *
 * The clock is read once per batch, not once per call, so that reading it costs nothing measurable;
 * each result is kept in a sink so the JIT cannot drop a call whose result is unused.
 */
import { performance } from "node:perf_hooks";

export type Op = () => unknown;
export type AsyncOp = () => Promise<unknown>;

let sink: unknown;
/** Read once at the end so the results stay observable. */
export const touchSink = (): unknown => sink;

export interface Round {
  ops: number;
  n: number;
  seconds: number;
  /**
   * Calls per second of this process's CPU time (user + system) over the round: on a machine
   * shared with other work, the time the scheduler gave another process does not count, so
   * before/after comparisons (bench/ab.ts) hold up better under load than wall-clock ops/s.
   */
  cpuOps: number;
}

/** Runs `op` until `ms` have passed. */
export function timeSync(op: Op, ms: number, batch = 8): Round {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + ms;
  let n = 0;
  let now = t0;
  do {
    for (let i = 0; i < batch; i++) sink = op();
    n += batch;
    now = performance.now();
  } while (now < deadline);
  const seconds = (now - t0) / 1000;
  return { ops: n / seconds, n, seconds, cpuOps: n / cpuSeconds(cpu0) };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** Same, one awaited call after another (for a contender whose API is asynchronous). */
export async function timeAsync(op: AsyncOp, ms: number): Promise<Round> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + ms;
  let n = 0;
  let now = t0;
  do {
    sink = await op();
    n++;
    now = performance.now();
  } while (now < deadline);
  const seconds = (now - t0) / 1000;
  return { ops: n / seconds, n, seconds, cpuOps: n / cpuSeconds(cpu0) };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
