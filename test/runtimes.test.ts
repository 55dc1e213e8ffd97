/**
 * The edge build in the real runtimes, all from npm: Deno (@deno/linux-x64-glibc), Bun
 * (@oven/bun-linux-x64), Cloudflare's workerd (through miniflare) and Vercel's Edge runtime
 * (edge-runtime). test/runtimes/probe.ts is bundled with each runtime's export condition, so
 * `rails-cookie-codec` resolves through package.json to the build that runtime gets, and run there.
 * In each: every cookie Rails wrote decodes to exactly what Rails read; what the runtime writes,
 * the Node jar reads and real Rails 6.1 reads; the Hono middleware serves a request carrying a
 * Rails session. A runtime that cannot start skips loudly here and fails under CI=true.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, parseCookieHeader } from "../src/index.js";
import { configOf, railsRead, rubyAvailable, repoRoot } from "./helpers/rails.js";
import { asRailsReads, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { PINNED, pinnedNow } from "./helpers/clock.js";
import type { ProbeJob } from "./runtimes/probe.js";

const require = createRequire(import.meta.url);
const NOW = PINNED.toISOString();
const now = pinnedNow;
const lines: VectorLine[] = [...loadVectorFile("rails-vectors/vectors.jsonl"), ...loadVectorFile("rails61/vectors.jsonl")];
const work = mkdtempSync(join(tmpdir(), "rcc-runtimes-"));

/** A line's jar options as JSON: no clock (the probe pins it), rotation keys as {$binary}. */
function jsonOptions(line: VectorLine): Record<string, unknown> {
  const { now: _now, ...options } = jarOptionsFor(line, now) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(options, (_k, v) => (v instanceof Uint8Array || (v && v.type === "Buffer") ? { $binary: Buffer.from(v instanceof Uint8Array ? v : v.data).toString("base64") } : v)));
}

const honoLine = lines.find((l) => l.rails.startsWith("6.1") && l.defaults === "6.1" && l.serializer === "json" && l.scenario === "session_rich" && Object.keys(l.extra).length === 0)!;
const job: ProbeJob = {
  now: NOW,
  lines: lines.map((l) => ({ options: jsonOptions(l), kind: l.kind, name: l.name, value: l.value })),
  hono: { options: jsonOptions(honoLine), key: honoLine.session_key, cookie: honoLine.value },
};
const jobPath = join(work, "job.json");
writeFileSync(jobPath, JSON.stringify(job));

interface ProbeAnswer {
  runtime: string;
  hasBuffer: boolean;
  results: Array<{ reads?: unknown; written?: string; error?: string }>;
  hono: { status: number; body: string; setCookie: string | null; signedOutStatus: number };
}
const revive = (text: string) => JSON.parse(text, (_k, v) => (v && typeof v === "object" && typeof v.$bigint === "string" ? BigInt(v.$bigint) : v)) as ProbeAnswer;

async function bundle(host: string, condition: string, format: "esm" | "iife"): Promise<string> {
  const outfile = join(work, `${host}.mjs`);
  if (!existsSync(resolve(repoRoot, "dist/edge/index.js"))) throw new Error("dist/edge is missing: run `npm run build` (npm test does)");
  await build({
    entryPoints: [resolve(repoRoot, `test/runtimes/${host}.ts`)],
    bundle: true, format, platform: "neutral", conditions: [condition], mainFields: ["module", "main"],
    outfile, logLevel: "error",
  });
  return outfile;
}

const binary = (pkg: string, rel: string) => join(dirname(require.resolve(`${pkg}/package.json`)), rel);
/**
 * CI also runs the suite under faketime (LD_PRELOAD libfaketime). The runtimes' own binaries do not
 * run under it: workerd hangs there, and Deno was killed by a signal under it in one CI run
 * (no output, not seen again in 120 tries here). The probe pins its own clock (job.now), and the
 * edge build still meets the faked clock in the Edge runtime, which runs inside this process.
 */
const fakesTime = (name: string): boolean => name === "LD_PRELOAD" || name.startsWith("FAKETIME");
const realClock = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(env).filter(([k]) => !fakesTime(k)));
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20, env: { ...realClock(process.env), DENO_DIR: join(work, "deno"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
/** Why a runtime's run failed: its exit code, or the signal that ended it, and what it printed. */
const exited = (name: string, r: ReturnType<typeof run>) =>
  new Error(`${name} exited ${r.status ?? `on ${r.signal}`}${r.error ? ` (${r.error.message})` : ""}: ${r.stderr}`);

function canRun(cmd: string): string | null {
  try {
    const r = run(cmd, ["--version"]);
    return r.status === 0 ? null : `${cmd} --version failed: ${r.stderr || r.error}`;
  } catch (error) {
    return String(error);
  }
}

async function importable(name: string): Promise<string | null> {
  try {
    await import(name);
    return null;
  } catch (error) {
    return String(error);
  }
}

interface Runtime {
  name: string;
  /** null when it can run here, else why not. */
  unavailable: () => Promise<string | null>;
  probe: () => Promise<string>;
}

const runtimes: Runtime[] = [
  {
    name: "Deno (@deno/linux-x64-glibc)",
    unavailable: async () => canRun(binary("@deno/linux-x64-glibc", "deno")),
    probe: async () => {
      const r = run(binary("@deno/linux-x64-glibc", "deno"), ["run", `--allow-read=${work}`, "--no-prompt", await bundle("deno", "deno", "esm"), jobPath]);
      if (r.status !== 0) throw exited("deno", r);
      return r.stdout;
    },
  },
  {
    name: "Bun (@oven/bun-linux-x64)",
    unavailable: async () => canRun(binary("@oven/bun-linux-x64", "bin/bun")),
    probe: async () => {
      const r = run(binary("@oven/bun-linux-x64", "bin/bun"), [await bundle("bun", "bun", "esm"), jobPath]);
      if (r.status !== 0) throw exited("bun", r);
      return r.stdout;
    },
  },
  {
    name: "workerd (miniflare)",
    unavailable: () => importable("miniflare"),
    probe: async () => {
      const { Miniflare } = await import("miniflare");
      // miniflare spawns workerd with this process's environment: off faketime, as realClock says.
      const faked = Object.keys(process.env).filter(fakesTime);
      const saved = faked.map((k) => [k, process.env[k]] as const);
      for (const k of faked) delete process.env[k];
      // modulesRoot: workerd refuses module paths that leave its root directory.
      let mf: InstanceType<typeof Miniflare>;
      try {
        mf = new Miniflare({ modules: true, scriptPath: await bundle("worker", "workerd", "esm"), modulesRoot: work, compatibilityDate: "2025-01-01" });
        await mf.ready;
      } finally {
        for (const [k, v] of saved) process.env[k] = v;
      }
      try {
        const response = await mf.dispatchFetch("http://probe/", { method: "POST", body: readFileSync(jobPath, "utf8") });
        return await response.text();
      } finally {
        await mf.dispose();
      }
    },
  },
  {
    name: "Edge runtime (edge-runtime)",
    unavailable: () => importable("edge-runtime"),
    probe: async () => {
      const { EdgeRuntime } = await import("edge-runtime");
      const runtime = new EdgeRuntime({ initialCode: readFileSync(await bundle("edge-runtime", "edge-light", "iife"), "utf8") });
      return (await runtime.evaluate(`__probe(${JSON.stringify(readFileSync(jobPath, "utf8"))})`)) as string;
    },
  },
];

/** What the runtimes wrote, for the Rails 6.1 round trip at the end. */
const writtenBy = new Map<string, ProbeAnswer>();

for (const runtime of runtimes) {
  describe(runtime.name, () => {
    let answer: ProbeAnswer | undefined;
    let why: string | null = null;
    let failure: unknown;
    beforeAll(async () => {
      why = await runtime.unavailable();
      if (why !== null) {
        if (process.env.CI === "true") return;
        console.warn(`\n⚠️  SKIPPED ${runtime.name}: cannot run here (${why})\n`);
        return;
      }
      try {
        answer = revive(await runtime.probe());
        writtenBy.set(runtime.name, answer);
      } catch (error) {
        failure = error;
      }
    }, 600_000);

    const ready = (ctx: { skip: () => void }) => {
      if (why !== null && process.env.CI === "true") throw new Error(`${runtime.name} cannot run: ${why}`);
      if (why !== null) ctx.skip();
      if (failure !== undefined) throw failure;
      return answer!;
    };

    it("runs the edge build, without Buffer where the runtime has none", (ctx) => {
      const a = ready(ctx);
      expect(a.results).toHaveLength(lines.length);
      if (runtime.name.startsWith("Edge runtime") || runtime.name.startsWith("workerd")) expect(a.hasBuffer).toBe(false);
    });

    it(`reads all ${lines.length} cookies Rails wrote as Rails did`, (ctx) => {
      const a = ready(ctx);
      const wrong: string[] = [];
      lines.forEach((line, i) => {
        const got = a.results[i]!;
        if (line.rails_reads === null) {
          if (got.error === undefined) wrong.push(`${i}: accepted a cookie Rails refused`);
          return;
        }
        try {
          expect(got.reads).toEqual(line.rails_reads);
        } catch {
          wrong.push(`${i} ${line.rails} ${line.scenario}: ${JSON.stringify(got).slice(0, 300)}`);
        }
      });
      expect(wrong).toEqual([]);
    });

    it("writes cookies the Node jar reads back to the same value", (ctx) => {
      const a = ready(ctx);
      const wrong: string[] = [];
      lines.forEach((line, i) => {
        if (line.rails_reads === null) return;
        const jar = new CookieJar(jarOptionsFor(line, now));
        const codec = line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;
        try {
          expect(asRailsReads(codec.get(line.name, a.results[i]!.written!))).toEqual(line.rails_reads);
        } catch {
          wrong.push(`${i} ${line.rails} ${line.scenario}`);
        }
      });
      expect(wrong).toEqual([]);
    });

    it("serves a request carrying a Rails session through the Hono middleware", (ctx) => {
      const { hono } = ready(ctx);
      expect(hono.status).toBe(200);
      expect(hono.signedOutStatus).toBe(401);
      const expected = { ...(honoLine.rails_reads as object), visits: 1 };
      expect((JSON.parse(hono.body) as { session: unknown }).session).toEqual(expected);
      // The changed session went back in a cookie the Node jar reads as that.
      const setCookie = hono.setCookie!;
      const value = parseCookieHeader(setCookie.split(";")[0]!).get(honoLine.session_key)!;
      expect(asRailsReads(new CookieJar(jarOptionsFor(honoLine, now)).session.get(honoLine.session_key, value))).toEqual(expected);
    });
  });
}

// Four Rails 6.1 apps, one per way of protecting a cookie (CBC+HMAC under 5.0, GCM with the
// hybrid serializer under 5.2, GCM + Marshal under 6.1, CBC under 6.1 with the envelope).
const ROUND_TRIP_APPS: Array<(l: VectorLine) => boolean> = [
  (l) => l.defaults === "5.0" && l.serializer === "json",
  (l) => l.defaults === "5.2" && l.serializer === "hybrid",
  (l) => l.defaults === "6.1" && l.serializer === "marshal",
  (l) => l.defaults === "6.1" && l.serializer === "json" && l.extra["action_dispatch.use_authenticated_cookie_encryption"] === false,
];

describe("real Rails 6.1 reads what each runtime wrote", () => {
  const rubyMissing = !rubyAvailable;
  ROUND_TRIP_APPS.forEach((pick, n) => it(`app ${n}`, async (ctx) => {
    if (rubyMissing || writtenBy.size === 0) {
      const why = rubyMissing ? "Ruby with Rails is not available" : "no runtime ran";
      if (process.env.CI === "true") throw new Error(why);
      console.warn(`⚠️  SKIPPED: ${why}`);
      ctx.skip();
    }
    let chosen = lines
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.rails.startsWith("6.1") && Object.keys(line.extra).length <= 1 && pick(line) && line.rails_reads !== null);
    // One app: the lines of the first matching app's exact configuration (secret, session key, …).
    const config = JSON.stringify(configOf(chosen[0]!.line));
    chosen = chosen.filter(({ line }) => JSON.stringify(configOf(line)) === config);
    expect(chosen.length).toBeGreaterThan(3);
    if (writtenBy.size < runtimes.length && process.env.CI === "true") throw new Error("a runtime did not run");
    for (const [name, answer] of writtenBy) {
      const results = await railsRead(
        configOf(chosen[0]!.line),
        chosen.map(({ line, i }) => ({ kind: line.kind, name: line.name, value: answer.results[i]!.written!, now: NOW })),
      );
      const wrong = results.flatMap((r, k) =>
        isDeepStrictEqual(r.rails_reads, chosen[k]!.line.rails_reads) ? [] : [`${name} ${chosen[k]!.line.kind} ${chosen[k]!.line.scenario}: ${String(r.error ?? r.rails_reads_marshal)}`],
      );
      expect(wrong).toEqual([]);
    }
  }, 300_000));
});

afterAll(() => {
  // Leave the bundles for inspection only when asked.
  if (!process.env.RCC_KEEP_RUNTIME_BUNDLES) spawnSync("rm", ["-rf", work]);
});
