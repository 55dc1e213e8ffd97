/**
 * Bytes ⇄ text helpers every layer shares (strict base64, Latin-1, UTF-8, comparisons), behind the
 * runtime seam: this module is the Node implementation; the edge build (tsup.config.ts) resolves
 * this path to ./web.ts, which exports the same functions without `Buffer`.
 */
export * from "./node.js";
