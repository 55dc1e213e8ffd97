/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (top 25), total time
 * (self + callees) of this project's functions (top 15), and every frame whose name mentions PBKDF2
 * with its callers (key derivation must not run on the request path).
 *
 *   node --import tsx bench/profile-summary.ts /tmp/prof/<file>.cpuprofile
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const profile = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as { nodes: Node[]; samples: number[] };
const total = profile.samples.length;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/main\//, "")}:${n.callFrame.lineNumber + 1}`;
const pct = (hits: number) => `${((100 * hits) / total).toFixed(1).padStart(5)}%`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const n of profile.nodes) {
  const hits = n.hitCount ?? 0;
  self.set(label(n), (self.get(label(n)) ?? 0) + hits);
  // Each function once per stack, however deep it recurses.
  const seen = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!);
    if (!seen.has(l)) inclusive.set(l, (inclusive.get(l) ?? 0) + hits), seen.add(l);
  }
}
console.log(`${total} samples\n-- self`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(hits)}  ${key}`);
console.log("-- total (self + callees), src/ only");
for (const [key, hits] of [...inclusive].filter(([k]) => / src\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(hits)}  ${key}`);
const pbkdf2 = profile.nodes.filter((n) => /pbkdf2/i.test(n.callFrame.functionName));
console.log(`-- PBKDF2 frames: ${pbkdf2.length ? "" : "none"}`);
for (const n of pbkdf2) {
  const chain: string[] = [];
  for (let id = parent.get(n.id); id !== undefined && chain.length < 8; id = parent.get(id)) chain.push(byId.get(id)!.callFrame.functionName || "(anonymous)");
  console.log(`   ${n.callFrame.functionName} (${n.hitCount ?? 0} samples) ← ${chain.join(" ← ")}`);
}
