/**
 * bench/results.json: each benchmark writes its own section (`codec` from bench/run.ts, `load` from
 * bench/load.ts) and keeps the other's. A smoke run (CI) only proves the bench still works: its
 * figures mean nothing, so it writes bench/results.smoke.json and never replaces the measured ones.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPO } from "./rails.js";

export function writeResultsSection(section: "codec" | "load" | "instructions" | "serverStore" | "sql", data: Record<string, unknown>, smoke: boolean): void {
  const path = resolve(REPO, smoke ? "bench/results.smoke.json" : "bench/results.json");
  const previous = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : {};
  writeFileSync(path, JSON.stringify({ ...previous, [section]: data }, null, 2) + "\n");
}
