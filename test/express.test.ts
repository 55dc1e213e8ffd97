/**
 * The Express shell (src/express.ts) on a real Express 5 server on 127.0.0.1, driven over HTTP.
 * What the cookies hold is checked by reading them with the codec; that the codec's cookies are
 * Rails' own is the business of test/session.test.ts and test/e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  flash,
  formAuthenticityToken,
  railsSession,
  setWardenUser,
  verifyAuthenticityToken,
  wardenUser,
  type RailsSessionRequest,
} from "../src/express.js";
import { Browser } from "./e2e-browser.js";

const SECRET = "a".repeat(64) + "b".repeat(64);
const KEY = "_node_session";

function buildApp(options: { errorHandler: boolean }) {
  const app = express();
  const middleware = railsSession({ secretKeyBase: SECRET, loadDefaults: "6.1", key: KEY });
  app.use(middleware);
  // A later middleware wrapping write/end (as compression does) must keep working after the commit.
  app.use((_req, res, next) => {
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => express.Response;
    const upper = (chunk: unknown) => (typeof chunk === "string" && chunk.startsWith("wrap:") ? chunk.toUpperCase() : chunk);
    res.write = ((chunk: unknown, ...rest: unknown[]) => write(upper(chunk), ...rest)) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => end(upper(chunk), ...rest)) as typeof res.end;
    next();
  });
  app.use(express.urlencoded({ extended: false }));
  type Req = express.Request & RailsSessionRequest;

  app.get("/whoami", (req, res) => {
    const r = req as Req;
    res.json({ session: r.session, user: wardenUser(r.session), flash: flash(r).consume() });
  });
  app.get("/nothing", (_req, res) => res.send("ok"));
  app.get("/read-only", (req, res) => res.send(String((req as Req).session.user_id)));
  app.post("/sign_in", (req, res) => {
    const r = req as Req;
    r.session.renew();
    setWardenUser(r.session, "user", 7, "$2a$12$abcdefghijklmnopqrstuv");
    flash(r).set("notice", "Signed in from Node");
    res.redirect(303, "/whoami");
  });
  app.post("/set", (req, res) => {
    const r = req as Req;
    for (const [k, v] of Object.entries(req.query)) r.session[k] = v;
    res.send("set");
  });
  app.post("/nested", (req, res) => {
    const r = req as Req;
    const cart = (r.session.cart ??= { items: [] as number[] }) as { items: number[] };
    cart.items.push(cart.items.length);
    res.send("pushed");
  });
  app.post("/reset", (req, res) => {
    (req as Req).session = null;
    res.send("reset");
  });
  app.post("/reset-method", (req, res) => {
    (req as Req).session.reset();
    res.send("reset");
  });
  app.post("/big", (req, res) => {
    (req as Req).session.blob = "x".repeat(5000);
    res.send("should not be sent");
  });
  app.post("/wrapped", (req, res) => {
    (req as Req).session.via = "wrapped";
    res.write("wrap:a");
    res.write("wrap:b");
    res.end("wrap:c");
  });
  app.post("/big-stream", (req, res) => {
    (req as Req).session.blob = "x".repeat(5000);
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("should not");
    setTimeout(() => {
      res.write(" be sent");
      res.end();
    }, 5);
  });
  app.post("/replace", (req, res) => {
    (req as Req).session = { cart: ["x"] };
    res.send("replaced");
  });
  app.post("/self-assign", (req, res) => {
    const r = req as Req;
    r.session = r.session;
    res.send(String(r.session.user_id));
  });
  app.post("/write-head", (req, res) => {
    (req as Req).session.via = "writeHead";
    res.writeHead(201, { "Set-Cookie": "other=1; path=/", "Content-Type": "text/plain" });
    res.end("created");
  });
  app.post("/stream", (req, res) => {
    (req as Req).session.via = "stream";
    res.write("a");
    setTimeout(() => res.end("b"), 5);
  });
  app.post("/async", async (req, res) => {
    await new Promise((r) => setTimeout(r, 5));
    (req as Req).session.via = "async";
    res.json({ ok: true });
  });
  app.get("/form", (req, res) => res.send(formAuthenticityToken(req)));
  app.post("/protected", verifyAuthenticityToken(), (_req, res) => res.send("accepted"));

  if (options.errorHandler) {
    app.use((err: { code?: string; status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(err.status ?? 500).json({ code: err.code ?? null });
    });
  }
  return { app, store: middleware.store };
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let server: Server;
let url: string;
let plain: Server;
let plainUrl: string;
let store: ReturnType<typeof buildApp>["store"];

beforeAll(async () => {
  const built = buildApp({ errorHandler: true });
  store = built.store;
  ({ server, url } = await listen(built.app));
  ({ server: plain, url: plainUrl } = await listen(buildApp({ errorHandler: false }).app));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => plain.close(r));
});

const sessionCookies = (setCookies: string[]) => setCookies.filter((c) => c.startsWith(`${KEY}=`));
const readCookie = (b: Browser) => store.jar.session.decode(KEY, b.cookies.get(KEY)!).value as Record<string, unknown>;

describe("railsSession", () => {
  it("an untouched or only-read session sets no cookie", async () => {
    const b = new Browser();
    expect((await b.fetch(`${url}/nothing`)).setCookies).toEqual([]);
    expect((await b.fetch(`${url}/read-only`)).setCookies).toEqual([]);
    await b.fetch(`${url}/set?user_id=3`, { method: "POST" });
    const r = await b.fetch(`${url}/read-only`);
    expect(r.body).toBe("3");
    expect(r.setCookies).toEqual([]);
  });

  it("a change sets exactly one session cookie with Rails' attributes", async () => {
    const b = new Browser();
    const r = await b.fetch(`${url}/set?user_id=3&name=Zoë`, { method: "POST" });
    const cookies = sessionCookies(r.setCookies);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/; path=\/; HttpOnly; SameSite=Lax$/);
    const data = readCookie(b);
    expect(data).toEqual({ session_id: expect.stringMatching(/^[0-9a-f]{32}$/), user_id: "3", name: "Zoë" });
  });

  it("nested changes are written", async () => {
    const b = new Browser();
    await b.fetch(`${url}/nested`, { method: "POST" });
    const r = await b.fetch(`${url}/nested`, { method: "POST" });
    expect(sessionCookies(r.setCookies)).toHaveLength(1);
    expect(readCookie(b).cart).toEqual({ items: [0, 1] });
  });

  it("req.session = null and req.session.reset() start a new session with a new id", async () => {
    for (const path of ["/reset", "/reset-method"]) {
      const b = new Browser();
      await b.fetch(`${url}/set?user_id=3`, { method: "POST" });
      const before = readCookie(b);
      const r = await b.fetch(`${url}${path}`, { method: "POST" });
      expect(sessionCookies(r.setCookies)).toHaveLength(1);
      const after = readCookie(b);
      expect(Object.keys(after)).toEqual(["session_id"]);
      expect(after.session_id).not.toBe(before.session_id);
    }
  });

  it("keeps a Set-Cookie given to writeHead, and commits before streamed and async responses", async () => {
    const b = new Browser();
    const r = await b.fetch(`${url}/write-head`, { method: "POST" });
    expect(r.status).toBe(201);
    expect(r.setCookies).toHaveLength(2);
    expect(r.setCookies[0]).toBe("other=1; path=/");
    expect(readCookie(b).via).toBe("writeHead");
    const s = await b.fetch(`${url}/stream`, { method: "POST" });
    expect(s.body).toBe("ab");
    expect(readCookie(b).via).toBe("stream");
    await b.fetch(`${url}/async`, { method: "POST" });
    expect(readCookie(b).via).toBe("async");
  });

  it("later wrappers of write/end keep working on every call", async () => {
    const b = new Browser();
    const r = await b.fetch(`${url}/wrapped`, { method: "POST" });
    expect(r.body).toBe("WRAP:AWRAP:BWRAP:C");
    expect(readCookie(b).via).toBe("wrapped");
  });

  it("req.session = {…} starts a new session holding it; req.session = req.session changes nothing", async () => {
    const b = new Browser();
    await b.fetch(`${url}/set?user_id=3`, { method: "POST" });
    const before = readCookie(b);
    const same = await b.fetch(`${url}/self-assign`, { method: "POST" });
    expect(same.body).toBe("3");
    expect(same.setCookies).toEqual([]);
    await b.fetch(`${url}/replace`, { method: "POST" });
    const after = readCookie(b);
    expect(after).toEqual({ session_id: expect.stringMatching(/^[0-9a-f]{32}$/), cart: ["x"] });
    expect(after.session_id).not.toBe(before.session_id);
  });

  it("a junk session cookie never fails the request", async () => {
    for (const junk of ["junk", "a--b--c", "%ZZ", "x".repeat(5000), "", "--"]) {
      const b = new Browser();
      b.cookies.set(KEY, junk);
      const r = await b.fetch(`${url}/read-only`);
      expect(r.status).toBe(200);
      expect(r.body).toBe("undefined");
    }
  });

  it("an overflowing session goes to next(err) (code cookie_overflow): 500, handler's body not sent, no cookie", async () => {
    const b = new Browser();
    await b.fetch(`${url}/set?user_id=3`, { method: "POST" });
    const before = b.cookies.get(KEY);
    const r = await b.fetch(`${url}/big`, { method: "POST" });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ code: "cookie_overflow" });
    expect(r.setCookies).toEqual([]);
    expect(b.cookies.get(KEY)).toBe(before);
    // A streaming handler that keeps writing after the failure: its writes are dropped, the server lives on.
    const stream = await b.fetch(`${url}/big-stream`, { method: "POST" });
    expect(stream.status).toBe(500);
    expect(JSON.parse(stream.body)).toEqual({ code: "cookie_overflow" });
    await new Promise((r) => setTimeout(r, 20));
    expect((await b.fetch(`${url}/read-only`)).body).toBe("3");
    // Express's own final handler, when the app has no error handler: a plain 500.
    const p = await new Browser().fetch(`${plainUrl}/big`, { method: "POST" });
    expect(p.status).toBe(500);
    expect(p.body).not.toContain("should not be sent");
  });

  it("sign-in with renew: new id, warden key and flash, consumed on the next page", async () => {
    const b = new Browser();
    await b.fetch(`${url}/set?x=1`, { method: "POST" });
    const oldId = readCookie(b).session_id;
    const r = await b.fetch(`${url}/sign_in`, { method: "POST" });
    expect(r.status).toBe(303);
    const data = readCookie(b);
    expect(data.session_id).not.toBe(oldId);
    expect(data["warden.user.user.key"]).toEqual([[7], "$2a$12$abcdefghijklmnopqrstuv"]);
    expect(data.flash).toEqual({ discard: [], flashes: { notice: "Signed in from Node" } });
    const page = JSON.parse((await b.fetch(`${url}/whoami`)).body);
    expect(page.user).toEqual({ id: 7, key: [7], salt: "$2a$12$abcdefghijklmnopqrstuv" });
    expect(page.flash).toEqual({ notice: "Signed in from Node" });
    expect(readCookie(b).flash).toBeUndefined();
  });

  it("verifyAuthenticityToken accepts this session's form token (body or header) and refuses others with 422", async () => {
    const b = new Browser();
    const token = (await b.fetch(`${url}/form`)).body;
    expect(token).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect((await b.fetch(`${url}/protected`, { method: "POST", form: { authenticity_token: token } })).body).toBe("accepted");
    expect((await b.fetch(`${url}/protected`, { method: "POST", headers: { "x-csrf-token": token } })).body).toBe("accepted");
    const none = await b.fetch(`${url}/protected`, { method: "POST" });
    expect(none.status).toBe(422);
    expect(JSON.parse(none.body)).toEqual({ code: "invalid_authenticity_token" });
    const other = new Browser();
    await other.fetch(`${url}/form`);
    expect((await other.fetch(`${url}/protected`, { method: "POST", form: { authenticity_token: token } })).status).toBe(422);
  });
});
