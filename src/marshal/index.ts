/**
 * Ruby Marshal 4.8, lossless and safe for untrusted input. Start with docs/marshal.md.
 * `load` reads what Ruby's `Marshal.dump` wrote; `dump` writes it back byte for byte, keeping what
 * the caller did not change exactly as Ruby wrote it (meta.ts explains how).
 */
export { load, type MarshalLimits } from "./load.js";
export { dump } from "./dump.js";
export { rubyClassOf, hashDefault } from "./meta.js";
export { rubyFloatText } from "./float.js";
