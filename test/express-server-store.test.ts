/**
 * The Express shell over a server-side store: the load is awaited before the handler, the write
 * lands before the response goes out, a store that fails becomes next(err). Real Redis, both clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { Server } from "node:http";
import { railsSession, type RailsSessionRequest } from "../src/express.js";
import { RedisSessionStore } from "../src/stores/redisSessionStore.js";
import { connectRedis, describeWithRedis, REDIS_FLAVOURS, uniqueNamespace } from "./helpers/servers.js";

const NOW = new Date("2026-12-02T12:00:00Z");

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}` };
}

function appFor(store: RedisSessionStore, errors: unknown[]) {
  const app = express();
  app.use(railsSession({ key: "_app_session", store, loadDefaults: "7.0", now: () => NOW }));
  const s = (req: express.Request) => (req as unknown as RailsSessionRequest).session;
  app.post("/sign-in", (req, res) => {
    s(req).renew();
    s(req)["user_id"] = 42;
    res.send("ok");
  });
  app.get("/me", (req, res) => res.json({ user_id: s(req)["user_id"] ?? null }));
  app.get("/stream", (req, res) => {
    s(req)["streamed"] = true;
    res.write("a");
    res.write("b");
    res.end("c");
  });
  app.post("/sign-out", (req, res) => {
    s(req).reset();
    res.redirect("/");
  });
  app.use((err: { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    errors.push(err);
    res.status(503).send(err.code ?? "error");
  });
  return app;
}

describeWithRedis("railsSession({ store }) in Express", () => {
  for (const flavour of REDIS_FLAVOURS) {
    describe(flavour, () => {
      let redis: Awaited<ReturnType<typeof connectRedis>>;
      let server: Server;
      let url: string;
      const errors: unknown[] = [];
      let store: RedisSessionStore;
      beforeAll(async () => {
        redis = await connectRedis(flavour);
        store = new RedisSessionStore({ client: redis.client, keyPrefix: `${uniqueNamespace("express")}:` });
        ({ server, url } = await listen(appFor(store, errors)));
      });
      afterAll(async () => {
        server.close();
        await redis.close();
      });

      it("signs in, reads, streams and signs out through Redis", async () => {
        const first = await fetch(`${url}/sign-in`, { method: "POST" });
        expect(await first.text()).toBe("ok");
        const cookie = first.headers.getSetCookie();
        expect(cookie).toEqual([expect.stringMatching(/^_app_session=[0-9a-f]{32}; path=\/; HttpOnly; SameSite=Lax$/)]);
        const sid = cookie[0]!.split(";")[0]!;

        const me = await fetch(`${url}/me`, { headers: { cookie: sid } });
        expect(await me.json()).toEqual({ user_id: 42 });
        expect(me.headers.getSetCookie()).toEqual([]);

        const streamed = await fetch(`${url}/stream`, { headers: { cookie: sid } });
        expect(await streamed.text()).toBe("abc");
        const entries = [];
        for await (const e of store.listSessions({ now: NOW })) entries.push(e);
        expect(entries.map((e) => e.data)).toEqual([expect.objectContaining({ user_id: 42, streamed: true })]);

        const out = await fetch(`${url}/sign-out`, { method: "POST", headers: { cookie: sid }, redirect: "manual" });
        expect(out.status).toBe(302);
        expect(out.headers.getSetCookie()[0]).not.toContain(sid);
        const after = await fetch(`${url}/me`, { headers: { cookie: sid } });
        expect(await after.json()).toEqual({ user_id: null });
        expect(errors).toEqual([]);
      });

      it("a Redis that does not answer becomes next(err) within the timeout, not a hang", async () => {
        // A client whose commands never settle: what node-redis' offline queue does while Redis is down.
        const silent = new RedisSessionStore({ client: { sendCommand: () => new Promise(() => {}) }, timeout: 0.05 });
        const seen: unknown[] = [];
        const { server: s, url: u } = await listen(appFor(silent, seen));
        try {
          const r = await fetch(`${u}/me`, { headers: { cookie: "_app_session=0123456789abcdef0123456789abcdef" } });
          expect(r.status).toBe(503);
          expect(await r.text()).toBe("store_unavailable");
          expect(seen).toEqual([expect.objectContaining({ code: "store_unavailable" })]);
        } finally {
          s.close();
        }
      });
    });
  }
});
