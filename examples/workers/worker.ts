// A Cloudflare Worker with Hono that shares the Rails login (`npx wrangler dev`; wrangler bundles
// `rails-cookie-codec` with the `workerd` condition, the Web Crypto build). SECRET_KEY_BASE is a
// secret: `npx wrangler secret put SECRET_KEY_BASE`.
import { Hono, type MiddlewareHandler } from "hono";
import { railsSession, type RailsSessionVariables } from "rails-cookie-codec/hono";

type Env = { Bindings: { SECRET_KEY_BASE: string }; Variables: RailsSessionVariables };
const app = new Hono<Env>();

// Options come from the environment, so the middleware is made on the first request.
let session: MiddlewareHandler<Env> | undefined;
app.use((c, next) => {
  session ??= railsSession<Env>({ key: "_myapp_session", secretKeyBase: c.env.SECRET_KEY_BASE, loadDefaults: "7.1" });
  return session(c, next);
});

app.get("/me", (c) => {
  const s = c.get("railsSession");
  if (!s?.["warden.user.user.key"]) return c.json({ signedIn: false }, 401);
  return c.json({ signedIn: true, userId: (s["warden.user.user.key"] as [[number]])[0][0] });
});

export default app;
