/**
 * rails-cookie-codec for Web-standard runtimes: Next.js middleware (the Edge runtime), Cloudflare
 * Workers, Deno, Bun, browsers. The package's `workerd`, `edge-light`, `deno`, `bun` and `browser`
 * export conditions resolve here (docs/edge.md).
 *
 * The same codec as the Node build (every preset, rotation, fallback, serializer and the envelope
 * are the same modules) on Web Crypto instead of node:crypto, so the jar is asynchronous:
 *
 * ```ts
 * const jar = await createCookieJar({ secretKeyBase: env.SECRET_KEY_BASE, loadDefaults: "7.1" });
 * const session = await jar.session.get("_myapp_session", cookies.get("_myapp_session"));
 * ```
 *
 * Nothing in this module graph imports `node:*` or uses `Buffer`: the build resolves the two seams,
 * src/bytes and src/backend, to their Web implementations (tsup.config.ts).
 */
export * from "./api.js";
