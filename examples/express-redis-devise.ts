/**
 * An Express app sharing server-side Rails sessions in Redis, with "sign out everywhere" for a
 * Devise user (see docs/server-sessions.md). The Rails side:
 *
 *   # config/environments/production.rb
 *   config.cache_store = :redis_cache_store, { url: ENV["REDIS_URL"], namespace: "myapp-cache" }
 *   # config/initializers/session_store.rb
 *   Rails.application.config.session_store :cache_store, key: "_myapp_session", expire_after: 14.days
 *
 * Run (after `npm run build`, with `npm install redis`):
 *   REDIS_URL=redis://127.0.0.1:6379/0 RAILS_LOAD_DEFAULTS=7.1 npx tsx examples/express-redis-devise.ts
 */
import express from "express";
import { createClient } from "redis";
import { railsSession, wardenUser } from "rails-cookie-codec/express";
import { RedisCacheStore, revokeUserSessions, findUserSessions, type LoadDefaults } from "rails-cookie-codec";

const loadDefaults = (process.env.RAILS_LOAD_DEFAULTS ?? "7.1") as LoadDefaults;
const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0" });
client.on("error", (err) => console.error("redis:", err.message));
await client.connect();

// The same cache the Rails app uses: its namespace, its load_defaults (cache_format_version).
const store = new RedisCacheStore({ client, namespace: "myapp-cache", loadDefaults });

const app = express();
app.use(
  railsSession({
    key: "_myapp_session",
    store,
    expireAfter: 14 * 24 * 3600,
    loadDefaults,
    // Redis down: Rails would carry on with an empty session; here the request fails (503 below).
    // Return instead of throwing to get Rails' behaviour.
    onError: (error) => {
      if (error.code === "store_unavailable") throw error;
      console.warn(`session: ${error.code}: ${error.message}`);
    },
  }),
);

app.get("/me", (req, res) => {
  const user = wardenUser(req.session); // what Devise stored: { id, salt }; check the salt against your users table
  res.json({ signedIn: user !== null, userId: user?.id ?? null });
});

// "Sign out everywhere": every session of this Devise user, in Rails and in Node, is gone.
app.post("/sign_out_everywhere", async (req, res, next) => {
  try {
    const user = wardenUser(req.session);
    if (!user) return res.status(401).json({ error: "not signed in" });
    const devices = [];
    for await (const s of findUserSessions(store, { id: user.id })) devices.push(s.storeKey);
    const revoked = await revokeUserSessions(store, { id: user.id });
    req.session = null; // and this request's session (reset_session)
    res.json({ revoked, devices: devices.length });
  } catch (error) {
    next(error);
  }
});

app.use((err: { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(err.code === "store_unavailable" ? 503 : 500).json({ error: err.code ?? "internal" });
});

app.listen(3001, "127.0.0.1", () => console.log("http://127.0.0.1:3001"));
