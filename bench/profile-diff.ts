/**
 * Where a middleware's time goes: two V8 .cpuprofile files of the same app (say the load server of
 * bench/lib/load-server.ts without and with railsSession, under the same load), self time per
 * request of every frame, side by side, and the difference grouped by what the frame belongs to.
 *
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:load     (one profile per server; or node --cpu-prof)
 *   node --import tsx bench/profile-diff.ts <before.cpuprofile> <requests> <after.cpuprofile> <requests> [--top 40]
 *
 * Sampled time is inflated by the profiler itself (about 2× at --cpu-prof-interval=100): compare
 * frames with each other and the two sides with each other, not with unprofiled figures.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Self µs per request by frame. */
function selfPerRequest(file: string, requests: number): Map<string, number> {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const usPerSample = (p.endTime - p.startTime) / p.samples.length;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (const id of p.samples) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(node_modules|src|bench)\//, "$1/")}:${f.lineNumber + 1}`;
    out.set(key, (out.get(key) ?? 0) + usPerSample / requests);
  }
  return out;
}

/** What a frame belongs to, for the grouped table. */
function groupOf(frame: string): string {
  if (/ src\/(express|hono)\.ts/.test(frame)) return "middleware shell (src/express.ts: req.session, res hooks)";
  if (/ src\/session\//.test(frame)) return "session core (src/session/: load, commit)";
  if (/ src\//.test(frame)) return "codec (src/: unescape, split, decrypt, envelope, JSON)";
  if (/^(createCipherBase|update|final|Decipheriv|Cipheriv|setAuthTag|getAuthTag|Hmac|digest) node:internal\/crypto/.test(frame)) return "codec: node:crypto";
  if (/^(base64Write|base64Slice|latin1Write|latin1Slice|utf8Slice|utf8Write|isUtf8|createUnsafeBuffer|FastBuffer|slice|write|toString|from|allocate|indexOf\w*) /.test(frame) || / node:buffer:/.test(frame)) return "codec: Buffer and strings";
  if (/^\(garbage collector\)/.test(frame)) return "garbage collector";
  if (/^\((idle|program)\)/.test(frame)) return "idle / program";
  if (/ node:internal\/modules|esm\/hooks|tsx/.test(frame)) return "module loader (tsx)";
  if (/^writev? |^writeUtf8String |^writeBuffer /.test(frame)) return "socket writes (kernel)";
  return "Express, node:http, the rest";
}

const argv = process.argv.slice(2);
const top = argv.includes("--top") ? Number(argv[argv.indexOf("--top") + 1]) : 40;
const [fileA, nA, fileB, nB] = argv;
if (!fileA || !nA || !fileB || !nB) throw new Error("usage: profile-diff.ts <before.cpuprofile> <requests> <after.cpuprofile> <requests>");
const a = selfPerRequest(fileA, Number(nA));
const b = selfPerRequest(fileB, Number(nB));
const frames = [...new Set([...a.keys(), ...b.keys()])].map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 }));
const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
console.log(`profiled µs per request: ${total(a).toFixed(1)} → ${total(b).toFixed(1)} (+${(total(b) - total(a)).toFixed(1)})\n`);

const groups = new Map<string, { a: number; b: number }>();
for (const f of frames) {
  const name = groupOf(f.k);
  const g = groups.get(name) ?? { a: 0, b: 0 };
  g.a += f.a;
  g.b += f.b;
  groups.set(name, g);
}
console.log("| part | before µs | after µs | difference |\n|---|---:|---:|---:|");
for (const [name, g] of [...groups].sort((x, y) => y[1].b - y[1].a - (x[1].b - x[1].a))) {
  console.log(`| ${name} | ${g.a.toFixed(1)} | ${g.b.toFixed(1)} | ${(g.b - g.a >= 0 ? "+" : "") + (g.b - g.a).toFixed(1)} |`);
}
console.log(`\n| frame (self time) | before µs | after µs | difference |\n|---|---:|---:|---:|`);
for (const f of frames.sort((x, y) => y.b - y.a - (x.b - x.a)).slice(0, top)) {
  console.log(`| \`${f.k}\` | ${f.a.toFixed(2)} | ${f.b.toFixed(2)} | ${(f.b - f.a >= 0 ? "+" : "") + (f.b - f.a).toFixed(2)} |`);
}
