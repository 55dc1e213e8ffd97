// Edge runtime host (Vercel's edge-runtime VM): the bundle is evaluated as a script; the test calls
// `probe` through this global.
import { probe } from "./probe.js";
(globalThis as { __probe?: typeof probe }).__probe = probe;
