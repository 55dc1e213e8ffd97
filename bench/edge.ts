/**
 * The async API on Node, by crypto backend, in one run: node:crypto (what `createCookieJar` uses on
 * Node, src/backend/index.ts) against Web Crypto (what the edge build uses, src/backend/web.ts),
 * with the synchronous `CookieJar` as the reference. Same cookies as bench/run.ts's scenarios
 * (a) GCM session, (c2) CBC+HMAC session, (d) signed cookie. Rounds interleaved, median ops/s.
 *
 *   npm run bench:edge            (about 10 s; `--ms 300` per round to shorten)
 *
 * The bytes seam is Node's here (Buffer); the edge build's pure-JS bytes only run where there is
 * no Buffer. Figures in docs/edge.md.
 */
import { createCookieJarWith, type AsyncCookieJar } from "../src/asyncJar.js";
import { backend as nodeBackend } from "../src/backend/index.js";
import { webCryptoSchemes } from "../src/webcrypto/schemes.js";
import { CookieJar } from "../src/jar.js";
import { median, timeAsync, timeSync, touchSink } from "./lib/timing.js";
import { jarOptionsFor, SELECTORS, vector } from "./lib/vectors.js";

const ms = Number(process.argv[process.argv.indexOf("--ms") + 1]) || 400;
const rounds = 5;

const rows: string[] = [];
for (const id of ["a", "c2", "d"]) {
  const line = vector(SELECTORS[id]!);
  const options = jarOptionsFor(line);
  const codecOf = <T extends { signed: unknown; session: unknown }>(jar: T) => (line.kind === "signed" ? jar.signed : jar.session) as T["session"];
  const sync = codecOf(new CookieJar(options));
  const viaNode = codecOf(await createCookieJarWith(options, nodeBackend)) as AsyncCookieJar["session"];
  const viaWeb = codecOf(await createCookieJarWith(options, webCryptoSchemes)) as AsyncCookieJar["session"];
  const value = sync.get(line.name, line.value);

  for (const op of ["decode", "encode"] as const) {
    const contenders: Array<[string, () => Promise<number> | number]> =
      op === "decode"
        ? [
            ["CookieJar (sync)", () => timeSync(() => sync.get(line.name, line.value), ms).ops],
            ["createCookieJar, node:crypto", async () => (await timeAsync(() => viaNode.get(line.name, line.value), ms)).ops],
            ["createCookieJar, Web Crypto", async () => (await timeAsync(() => viaWeb.get(line.name, line.value), ms)).ops],
          ]
        : [
            ["CookieJar (sync)", () => timeSync(() => sync.set(line.name, value), ms).ops],
            ["createCookieJar, node:crypto", async () => (await timeAsync(() => viaNode.set(line.name, value), ms)).ops],
            ["createCookieJar, Web Crypto", async () => (await timeAsync(() => viaWeb.set(line.name, value), ms)).ops],
          ];
    const results = contenders.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) for (const [i, [, run]] of contenders.entries()) results[i]!.push(await run());
    const base = median(results[0]!);
    rows.push(
      `(${id}) ${line.kind} ${op}: ` +
        contenders.map(([name], i) => `${name} ${Math.round(median(results[i]!)).toLocaleString("en")} ops/s (${(median(results[i]!) / base).toFixed(2)}×)`).join(" | "),
    );
  }
}
console.log(`Node ${process.version}, ${rounds} rounds of ${ms} ms, median\n${rows.join("\n")}`);
touchSink();
