/**
 * vitest setup file. Property tests draw new random inputs on every run, which is how they find
 * bugs; with `FC_SEED` set (.ci/run sets it from the commit hash) every property of the run draws
 * from that seed, so a CI failure reproduces exactly: `FC_SEED=<printed seed> npx vitest run <file>`.
 */
import fc from "fast-check";

const seed = process.env["FC_SEED"];
if (seed !== undefined && seed !== "") fc.configureGlobal({ seed: Number(seed) });
