/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (top 25), and every frame
 * whose name mentions PBKDF2 (key derivation must not run on the request path).
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
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const f = node.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/main\//, "")}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
}
console.log(`${total} samples`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
}
const pbkdf2 = profile.nodes.filter((n) => /pbkdf2/i.test(n.callFrame.functionName));
console.log(`PBKDF2 frames: ${pbkdf2.length ? pbkdf2.map((n) => `${n.callFrame.functionName} (${n.hitCount ?? 0} samples)`).join(", ") : "none"}`);
