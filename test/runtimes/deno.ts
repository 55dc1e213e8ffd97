// Deno host: `deno run --allow-read=<job> deno.mjs <job.json>` prints the probe's answer.
import { probe } from "./probe.js";
declare const Deno: { args: string[]; readTextFile(path: string): Promise<string> };
console.log(await probe(await Deno.readTextFile(Deno.args[0]!)));
