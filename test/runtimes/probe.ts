/**
 * Runs inside each runtime (Deno, Bun, workerd, the Edge runtime), bundled by test/runtimes.test.ts
 * with that runtime's export condition, so `rails-cookie-codec` resolves through package.json to
 * the build the runtime gets. Given a job (cookies Rails wrote, with their apps' options), it reads
 * each one, writes each value back, and serves one request through the Hono middleware; the Node
 * test compares the answers with what Rails read and reads what was written.
 */
import { Hono } from "hono";
import { createCookieJar, RubyObject, RubySymbol, RubyTime, type CookieJarOptions } from "rails-cookie-codec";
import { railsSession, type RailsSessionVariables } from "rails-cookie-codec/hono";
import { railsReadsWith } from "../helpers/railsReads.js";

export interface ProbeLine {
  options: Record<string, unknown>;
  kind: "session" | "encrypted" | "signed";
  name: string;
  value: string;
}

export interface ProbeJob {
  /** ISO-8601: every jar's pinned clock. */
  now: string;
  lines: ProbeLine[];
  /** One session cookie, its app's options, for the Hono middleware. */
  hono: { options: Record<string, unknown>; key: string; cookie: string };
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
const asRailsReads = railsReadsWith({ RubyObject, RubySymbol, RubyTime }, toBase64);

/** The job's JSON form of options: rotation secrets as {$binary}; the pinned clock. */
function optionsOf(raw: Record<string, unknown>, now: Date): CookieJarOptions {
  const revive = (v: unknown): unknown =>
    v !== null && typeof v === "object" && "$binary" in v ? fromBase64(String((v as { $binary: string }).$binary))
    : Array.isArray(v) ? v.map(revive)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]))
    : v;
  return { ...(revive(raw) as CookieJarOptions), now: () => now };
}

/** JSON with bigints as {$bigint} (the Node side revives them). */
const encode = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));

export async function probe(jobText: string): Promise<string> {
  const job = JSON.parse(jobText) as ProbeJob;
  const now = new Date(job.now);
  const results = [];
  for (const line of job.lines) {
    const jar = await createCookieJar(optionsOf(line.options, now));
    const codec = line.kind === "signed" ? jar.signed : line.kind === "session" ? jar.session : jar.encrypted;
    try {
      const decoded = await codec.decode(line.name, line.value);
      const written = await codec.set(line.name, decoded.value, { expires: 3600 });
      results.push({ reads: asRailsReads(decoded.value), written });
    } catch (error) {
      results.push({ error: (error as { code?: string }).code ?? String(error) });
    }
  }

  const app = new Hono<{ Variables: RailsSessionVariables }>();
  app.use(railsSession({ ...optionsOf(job.hono.options, now), key: job.hono.key }));
  app.get("/", (c) => {
    const session = c.get("railsSession");
    if (!session) return c.text("signed out", 401);
    session["visits"] = 1;
    return c.json({ session: asRailsReads(session) });
  });
  const signedIn = await app.fetch(new Request("http://probe/", { headers: { Cookie: `${job.hono.key}=${job.hono.cookie}` } }));
  const signedOut = await app.fetch(new Request("http://probe/"));
  const hono = {
    status: signedIn.status,
    body: await signedIn.text(),
    setCookie: signedIn.headers.get("Set-Cookie"),
    signedOutStatus: signedOut.status,
  };
  const runtime = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? "unknown";
  const hasBuffer = typeof (globalThis as { Buffer?: unknown }).Buffer !== "undefined";
  return encode({ runtime, hasBuffer, results, hono });
}
