/**
 * End to end: one login shared by a real Rails 6.1 app and an Express app using `railsSession`.
 *
 * Two real servers on 127.0.0.1, each on a free port, started and stopped here:
 * - Rails: rails-fixture-app/bin/serve (WEBrick from Debian's `ruby-webrick`; CI needs
 *   `apt-get install -y ruby ruby-rails ruby-webrick` — ruby-puma is not in Debian bookworm),
 *   configured by RCC_CONFIG, routes in rails-fixture-app/app/controllers/demo_controller.rb;
 * - Express 5 with `railsSession` and the same secret, serializer and session key.
 * A browser-like client (test/e2e-browser.ts) keeps cookies per host, so both servers see the same
 * session cookie, as a browser would for two apps on one domain.
 *
 * Run for a GCM/JSON app (load_defaults 6.1) and a CBC/Marshal app (load_defaults 5.0,
 * cookies_serializer :marshal).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import express from "express";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import {
  flash,
  formAuthenticityToken,
  railsSession,
  verifyAuthenticityToken,
  wardenUser,
  type RailsSessionOptions,
  type RailsSessionRequest,
} from "../src/express.js";
import { Browser } from "./e2e-browser.js";
import { describeWithRails, fixtureAppDir, type RailsConfig } from "./helpers/rails.js";
import { encodeJson } from "../src/serializers/json.js";

const SECRET = "e2e".repeat(30) + "0123456789abcdef".repeat(2);
const KEY = "_shared_session";
const STARTUP_MS = 60_000;

interface Setup {
  name: string;
  rails: RailsConfig;
  node: RailsSessionOptions;
  /** How the cookies both sides write are made (checked on each side's cookie). */
  wire: { protection: string; serializer: string };
}

const SETUPS: Setup[] = [
  {
    name: "load_defaults 6.1, JSON, AES-256-GCM",
    rails: { defaults: "6.1", serializer: "json", secret_key_base: SECRET, session_key: KEY, expire_after: null, extra: {} },
    node: { secretKeyBase: SECRET, loadDefaults: "6.1", railsVersion: "6.1", cookiesSerializer: "json", key: KEY },
    wire: { protection: "aes-256-gcm", serializer: "json" },
  },
  {
    name: "load_defaults 5.0, Marshal, AES-256-CBC + HMAC",
    rails: { defaults: "5.0", serializer: "marshal", secret_key_base: SECRET, session_key: KEY, expire_after: null, extra: {} },
    node: { secretKeyBase: SECRET, loadDefaults: "5.0", railsVersion: "6.1", cookiesSerializer: "marshal", key: KEY },
    wire: { protection: "aes-256-cbc+hmac-sha1", serializer: "marshal" },
  },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts bin/serve and resolves once it prints "listening on <port>". */
async function startRails(config: RailsConfig): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn("ruby", [resolve(fixtureAppDir, "bin/serve")], {
    env: { ...process.env, RCC_CONFIG: encodeJson(config), PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`bin/serve did not start within ${STARTUP_MS} ms\n${stderr}`));
    }, STARTUP_MS);
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes(`listening on ${port}`)) {
        clearTimeout(timer);
        ok();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`bin/serve exited (${code}) before listening\n${stderr}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stopRails(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function nodeApp(options: RailsSessionOptions) {
  const app = express();
  const middleware = railsSession(options);
  app.use(middleware);
  app.use(express.urlencoded({ extended: false }));
  type Req = express.Request & RailsSessionRequest;

  // The signed-in user (Devise's warden key) and the flash, which this page shows and consumes.
  app.get("/whoami", (req, res) => {
    const r = req as Req;
    const user = wardenUser(r.session);
    res.json({ user_id: r.session.user_id ?? null, user: user && { id: user.id, salt: user.salt }, flash: flash(r).consume() });
  });
  app.post("/change", (req, res) => {
    const r = req as Req;
    r.session.cart = { items: ["book", 2] };
    flash(r).set("notice", "Cart saved by Node");
    res.redirect(303, "/whoami");
  });
  app.get("/form", (req, res) => res.json({ authenticity_token: formAuthenticityToken(req) }));
  app.post("/protected", verifyAuthenticityToken(), (_req, res) => res.send("ok"));
  app.post("/sign_out", (req, res) => {
    (req as Req).session = null;
    res.send("signed out");
  });
  app.use((err: { status?: number; code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).send(err.code ?? "error");
  });
  return { app, store: middleware.store };
}

for (const setup of SETUPS) {
  describeWithRails(`one login shared by real Rails 6.1 and Express: ${setup.name}`, () => {
    let rails: { child: ChildProcess; url: string } | undefined;
    let node: Server | undefined;
    let nodeUrl = "";
    let wireOf: (b: Browser) => { protection: string; serializer: string };

    beforeAll(async () => {
      rails = await startRails(setup.rails);
      const { app, store } = nodeApp(setup.node);
      wireOf = (b) => {
        const { scheme } = store.jar.session.decode(KEY, b.cookies.get(KEY)!);
        return { protection: scheme.protection, serializer: scheme.serializer };
      };
      node = await new Promise<Server>((r) => {
        const s = app.listen(0, "127.0.0.1", () => r(s));
      });
      nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
    }, STARTUP_MS + 10_000);

    afterAll(async () => {
      if (node) await new Promise((r) => node!.close(r));
      await stopRails(rails?.child);
    }, 20_000);

    const railsWhoami = async (b: Browser) => {
      const r = await b.fetch(`${rails!.url}/whoami`);
      expect(r.status).toBe(200);
      return JSON.parse(r.body) as { session: Record<string, unknown>; flash: Record<string, unknown> };
    };
    const nodeWhoami = async (b: Browser) => {
      const r = await b.fetch(`${nodeUrl}/whoami`);
      expect(r.status).toBe(200);
      return JSON.parse(r.body) as { user_id: unknown; user: { id: unknown; salt: string } | null; flash: Record<string, unknown> };
    };

    it("sign in on Rails → Express sees the user and the flash; Express's changes and flash → Rails sees both", async () => {
      const b = new Browser();
      const signIn = await b.fetch(`${rails!.url}/sign_in`, { method: "POST", form: { user_id: "42" } });
      expect(signIn.status).toBe(302);
      expect(wireOf(b)).toEqual(setup.wire);

      // Express reads Rails' session: Devise's warden key and the flash (shown here, so consumed).
      const seen = await nodeWhoami(b);
      expect(seen).toEqual({ user_id: 42, user: { id: 42, salt: "$2a$12$abcdefghijklmnopqrstuv" }, flash: { notice: "Signed in successfully." } });
      // Consumed by Express: Rails no longer shows it, and still has the user.
      const after = await railsWhoami(b);
      expect(after.flash).toEqual({});
      expect(after.session.user_id).toBe(42);
      expect(after.session["warden.user.user.key"]).toEqual([[42], "$2a$12$abcdefghijklmnopqrstuv"]);

      // Express changes the session and leaves a flash; Rails reads both.
      const sessionIdBefore = after.session.session_id;
      const change = await b.fetch(`${nodeUrl}/change`, { method: "POST" });
      expect(change.status).toBe(303);
      expect(change.setCookies.filter((c) => c.startsWith(`${KEY}=`))).toHaveLength(1);
      expect(wireOf(b)).toEqual(setup.wire);
      const railsView = await railsWhoami(b);
      expect(railsView.session.cart).toEqual({ items: ["book", 2] });
      expect(railsView.session.user_id).toBe(42);
      expect(railsView.session.session_id).toBe(sessionIdBefore);
      expect(railsView.flash).toEqual({ notice: "Cart saved by Node" });
      // Rails consumed it in turn: Express sees no flash now, the user still.
      expect(await nodeWhoami(b)).toEqual({ user_id: 42, user: { id: 42, salt: "$2a$12$abcdefghijklmnopqrstuv" }, flash: {} });

      // A flash set by Rails' POST /flash reaches Express.
      await b.fetch(`${rails!.url}/flash`, { method: "POST", form: { notice: "From Rails <b>" } });
      expect((await nodeWhoami(b)).flash).toEqual({ notice: "From Rails <b>" });
    });

    it("Express's form token is accepted by Rails' protect_from_forgery, and Rails' by Express", async () => {
      const b = new Browser();
      await b.fetch(`${rails!.url}/sign_in`, { method: "POST", form: { user_id: "7" } });

      const nodeToken = JSON.parse((await b.fetch(`${nodeUrl}/form`)).body).authenticity_token as string;
      const accepted = await b.fetch(`${rails!.url}/protected`, { method: "POST", form: { authenticity_token: nodeToken } });
      expect([accepted.status, accepted.body]).toEqual([200, "ok"]);
      const viaHeader = await b.fetch(`${rails!.url}/protected`, { method: "POST", headers: { "x-csrf-token": nodeToken } });
      expect(viaHeader.status).toBe(200);

      const railsToken = JSON.parse((await b.fetch(`${rails!.url}/form`)).body).authenticity_token as string;
      const byNode = await b.fetch(`${nodeUrl}/protected`, { method: "POST", form: { authenticity_token: railsToken } });
      expect([byNode.status, byNode.body]).toEqual([200, "ok"]);

      // Both refuse a token of another session, and none at all.
      const stranger = new Browser();
      const strangerToken = JSON.parse((await stranger.fetch(`${nodeUrl}/form`)).body).authenticity_token as string;
      expect((await b.fetch(`${rails!.url}/protected`, { method: "POST", form: { authenticity_token: strangerToken } })).status).toBe(422);
      expect((await b.fetch(`${nodeUrl}/protected`, { method: "POST", form: { authenticity_token: strangerToken } })).status).toBe(422);
      expect((await b.fetch(`${rails!.url}/protected`, { method: "POST" })).status).toBe(422);
      expect((await b.fetch(`${nodeUrl}/protected`, { method: "POST" })).status).toBe(422);
    });

    it("signing out on either side ends the session on both", async () => {
      const b = new Browser();
      await b.fetch(`${rails!.url}/sign_in`, { method: "POST", form: { user_id: "5" } });
      const id = (await railsWhoami(b)).session.session_id;
      expect((await nodeWhoami(b)).user).toEqual({ id: 5, salt: "$2a$12$abcdefghijklmnopqrstuv" });

      // Rails' reset_session.
      expect((await b.fetch(`${rails!.url}/sign_out`, { method: "DELETE" })).status).toBe(200);
      expect(await nodeWhoami(b)).toEqual({ user_id: null, user: null, flash: {} });
      const railsAfter = await railsWhoami(b);
      expect(railsAfter.session.user_id).toBeUndefined();
      expect(railsAfter.session.session_id).not.toBe(id);

      // Sign in again, sign out on Express (req.session = null).
      await b.fetch(`${rails!.url}/sign_in`, { method: "POST", form: { user_id: "6" } });
      const id2 = (await railsWhoami(b)).session.session_id;
      expect((await nodeWhoami(b)).user_id).toBe(6);
      const out = await b.fetch(`${nodeUrl}/sign_out`, { method: "POST" });
      expect(out.setCookies.filter((c) => c.startsWith(`${KEY}=`))).toHaveLength(1);
      const railsView = await railsWhoami(b);
      expect(railsView.session.user_id).toBeUndefined();
      expect(railsView.session["warden.user.user.key"]).toBeUndefined();
      expect(railsView.session.session_id).toMatch(/^[0-9a-f]{32}$/);
      expect(railsView.session.session_id).not.toBe(id2);
    });
  });
}
