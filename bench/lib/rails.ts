/**
 * The real-Rails contender: one `rails-fixture-app/bin/bench` process per app configuration (a
 * Rails app boots once per Ruby process), spoken to one JSON line at a time. Each timed round is
 * run by Ruby while Node waits, so Rails' rounds interleave with the Node contenders' rounds.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { decodeJson } from "../../src/serializers/json.js";

export const REPO = resolve(import.meta.dirname, "../..");
const BENCH_RB = resolve(REPO, "rails-fixture-app/bin/bench");

// The app configuration rails-fixture-app reads from RCC_CONFIG (type only: no vitest at run time).
import type { RailsConfig } from "../../test/helpers/rails.js";
export type { RailsConfig };

/** `ruby` runs and loads Rails. */
export function railsAvailable(): { ok: boolean; version?: string } {
  const r = spawnSync("ruby", ["-e", 'require "rails"; require "action_controller/railtie"; print Rails.version'], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return r.status === 0 ? { ok: true, version: r.stdout } : { ok: false };
}

export class RailsBench {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  #stderr = "";
  #closed = false;

  constructor(config: RailsConfig) {
    this.#child = spawn("ruby", [BENCH_RB], { env: { ...process.env, RCC_CONFIG: JSON.stringify(config) } });
    this.#child.stderr.setEncoding("utf8").on("data", (d: string) => (this.#stderr += d));
    createInterface({ input: this.#child.stdout }).on("line", (line) => {
      const w = this.#waiting.shift();
      if (!w) return;
      const out = decodeJson(line) as Record<string, unknown>;
      if (typeof out["error"] === "string") w.reject(new Error(`bin/bench: ${out["error"]}\n${String(out["backtrace"] ?? "")}`));
      else w.resolve(out);
    });
    this.#child.on("close", (code) => {
      this.#closed = true;
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`bin/bench exited ${code}\n${this.#stderr}`));
    });
  }

  call(op: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new Error(`bin/bench is not running\n${this.#stderr}`));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(JSON.stringify(op) + "\n");
    });
  }

  close(): void {
    this.#child.stdin.end();
  }
}
