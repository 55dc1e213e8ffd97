/**
 * How src/express.ts reaches the request and the response: on node:http objects through
 * prototype hooks (an accessor for `req.session`, wrappers of ServerResponse.prototype's
 * writeHead/write/end) and no own property per request; on anything else through own properties.
 * Each case is a real server on 127.0.0.1 (Express 5, bare node:http, the http2 compatibility API).
 */
import { afterEach, describe, expect, it } from "vitest";
import express from "express";
import { createServer, IncomingMessage, ServerResponse, type Server } from "node:http";
import { connect, createServer as createHttp2Server, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { railsSession, type RailsSessionRequest } from "../src/express.js";
import { Browser } from "./e2e-browser.js";

const SECRET = "c".repeat(64) + "d".repeat(64);
const options = (key: string) => ({ secretKeyBase: SECRET, loadDefaults: "7.1" as const, key });
type Req = IncomingMessage & RailsSessionRequest;

const servers: Array<Server | Http2Server> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
async function listen(server: Server | Http2Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("railsSession on node:http adds no own property to req or res", () => {
  it("bare node:http: the session is read and written, req and res keep only their own properties", async () => {
    const middleware = railsSession(options("_hooks_session"));
    const seen: Array<{ session: boolean; end: boolean; writeHead: boolean; write: boolean }> = [];
    const host = await listen(
      createServer((req, res) =>
        middleware(req, res, () => {
          const r = req as Req;
          seen.push({
            session: Object.prototype.hasOwnProperty.call(req, "session"),
            end: Object.prototype.hasOwnProperty.call(res, "end"),
            writeHead: Object.prototype.hasOwnProperty.call(res, "writeHead"),
            write: Object.prototype.hasOwnProperty.call(res, "write"),
          });
          const hits = typeof r.session.hits === "number" ? r.session.hits + 1 : 1;
          r.session.hits = hits;
          res.end(String(hits));
        }),
      ),
    );
    const b = new Browser();
    expect((await b.fetch(`http://${host}/`)).body).toBe("1");
    expect((await b.fetch(`http://${host}/`)).body).toBe("2");
    const cookie = b.cookies.get("_hooks_session")!;
    expect(middleware.store.jar.session.decode("_hooks_session", cookie).value).toMatchObject({ hits: 2 });
    expect(seen).toEqual([
      { session: false, end: false, writeHead: false, write: false },
      { session: false, end: false, writeHead: false, write: false },
    ]);
  });

  it("a request railsSession did not see: req.session is undefined and assigning it makes an own data property", async () => {
    railsSession(options("_hooks_session")); // installs the hooks, serves nothing
    const host = await listen(
      createServer((req, res) => {
        const r = req as unknown as { session: unknown };
        const before = r.session;
        r.session = { cart: [1] }; // what express-session does
        const descriptor = Object.getOwnPropertyDescriptor(req, "session");
        res.end(JSON.stringify({ before: before ?? null, after: r.session, own: descriptor?.writable === true && descriptor.enumerable === true }));
      }),
    );
    expect(JSON.parse((await new Browser().fetch(`http://${host}/`)).body)).toEqual({ before: null, after: { cart: [1] }, own: true });
  });

  it("a sub-app and a Router mounted under the middleware still commit (Express resets prototypes there)", async () => {
    const app = express();
    const middleware = railsSession(options("_hooks_session"));
    app.use(middleware);
    const sub = express();
    sub.post("/set", (req, res) => {
      (req as Req).session.from = "sub-app";
      res.json({ ok: true });
    });
    const router = express.Router();
    router.post("/set", (req, res) => {
      (req as Req).session.from = "router";
      res.redirect(303, "/");
    });
    app.use("/sub", sub);
    app.use("/router", router);
    const host = await listen(createServer(app));
    const b = new Browser();
    await b.fetch(`http://${host}/sub/set`, { method: "POST" });
    expect(middleware.store.jar.session.decode("_hooks_session", b.cookies.get("_hooks_session")!).value).toMatchObject({ from: "sub-app" });
    const r = await b.fetch(`http://${host}/router/set`, { method: "POST" });
    expect(r.status).toBe(303);
    expect(middleware.store.jar.session.decode("_hooks_session", b.cookies.get("_hooks_session")!).value).toMatchObject({ from: "router" });
  });

  it("two railsSession on one response (two cookies) both commit", async () => {
    const app = express();
    const first = railsSession(options("_first_session"));
    const second = railsSession({ ...options("_second_session"), secretKeyBase: "e".repeat(128) });
    // req.session is the latest middleware's: the first one's is changed before the second runs.
    const setWhich = (which: string) => (req: express.Request, _res: express.Response, next: express.NextFunction) => {
      (req as Req).session.which = which;
      next();
    };
    app.use(first, setWhich("first"), second);
    app.post("/", (req, res) => {
      (req as Req).session.which = "second";
      res.send("ok");
    });
    const host = await listen(createServer(app));
    const b = new Browser();
    const r = await b.fetch(`http://${host}/`, { method: "POST" });
    expect(r.status).toBe(200);
    expect(second.store.jar.session.decode("_second_session", b.cookies.get("_second_session")!).value).toMatchObject({ which: "second" });
    expect(first.store.jar.session.decode("_first_session", b.cookies.get("_first_session")!).value).toMatchObject({ which: "first" });
  });

  it("an overflow under the prototype hooks: 500 from next(err), the handler's later writes dropped, the next response fine", async () => {
    const app = express();
    app.use(railsSession(options("_hooks_session")));
    app.post("/big", (req, res) => {
      (req as Req).session.blob = "x".repeat(5000);
      res.write("should not be sent");
      res.end("nor this");
    });
    app.get("/ok", (_req, res) => res.send("fine"));
    app.use((err: { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ code: err.code ?? null });
    });
    const host = await listen(createServer(app));
    const r = await new Browser().fetch(`http://${host}/big`, { method: "POST" });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ code: "cookie_overflow" });
    expect((await new Browser().fetch(`http://${host}/ok`)).body).toBe("fine");
  });
});

describe("railsSession elsewhere falls back to own properties", () => {
  it("the http2 compatibility API (not node:http objects): the session is read and written", async () => {
    const middleware = railsSession(options("_h2_session"));
    const server = createHttp2Server((req, res) =>
      middleware(req as unknown as IncomingMessage, res as unknown as ServerResponse, () => {
        const r = req as unknown as Req;
        expect(req instanceof IncomingMessage).toBe(false);
        const hits = typeof r.session.hits === "number" ? r.session.hits + 1 : 1;
        r.session.hits = hits;
        res.end(String(hits));
      }),
    );
    const host = await listen(server);
    const client = connect(`http://${host}`);
    const get = (cookie?: string) =>
      new Promise<{ body: string; setCookie: string[] }>((resolve, reject) => {
        const stream = client.request({ ":path": "/", ...(cookie ? { cookie } : {}) });
        let body = "";
        let setCookie: string[] = [];
        stream.on("response", (headers) => (setCookie = (headers["set-cookie"] as string[] | undefined) ?? []));
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (body += chunk));
        stream.on("end", () => resolve({ body, setCookie }));
        stream.on("error", reject);
      });
    try {
      const first = await get();
      expect(first.body).toBe("1");
      const cookie = first.setCookie[0]!.split(";")[0]!;
      const second = await get(cookie);
      expect(second.body).toBe("2");
      const value = second.setCookie[0]!.split(";")[0]!.slice("_h2_session=".length);
      expect(middleware.store.jar.session.decode("_h2_session", value).value).toMatchObject({ hits: 2 });
    } finally {
      client.close();
    }
  });
});
