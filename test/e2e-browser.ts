/**
 * A tiny browser for the Express and end-to-end tests: node:http requests plus a cookie jar that
 * keeps cookies per host (not per port, like a browser), so one jar serves a Rails server and an
 * Express server on two ports of 127.0.0.1. No redirects are followed; tests look at them.
 */
import { request } from "node:http";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  setCookies: string[];
  body: string;
}

export class Browser {
  /** name → value (still escaped, as the server sent it). */
  readonly cookies = new Map<string, string>();

  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Response> {
    const u = new URL(url);
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const cookie = this.cookieHeader();
    if (cookie) headers["cookie"] = cookie;
    if (body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const res = await new Promise<Response>((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method ?? "GET", headers, timeout: init.timeoutMs ?? 30_000 },
        (r) => {
          let text = "";
          r.setEncoding("utf8");
          r.on("data", (d: string) => (text += d));
          r.on("end", () => {
            const sc = r.headers["set-cookie"] ?? [];
            resolve({ status: r.statusCode ?? 0, headers: r.headers, setCookies: sc, body: text });
          });
          r.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`request to ${url} timed out`)));
      req.on("error", reject);
      req.end(body);
    });
    for (const line of res.setCookies) this.store(line);
    return res;
  }

  /** Keeps a Set-Cookie the way a browser would (path and domain ignored: everything here is "/"). */
  store(line: string): void {
    const [pair, ...attributes] = line.split(";");
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expires = attributes.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
    const maxAge = attributes.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
    const gone =
      value === "" ||
      (maxAge !== undefined && Number(maxAge.slice(8)) <= 0) ||
      (expires !== undefined && Date.parse(expires.slice(8)) <= Date.now());
    if (gone) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
