// Bun host: `bun bun.mjs <job.json>` prints the probe's answer.
import { probe } from "./probe.js";
declare const Bun: { argv: string[]; file(path: string): { text(): Promise<string> } };
console.log(await probe(await Bun.file(Bun.argv[2]!).text()));
