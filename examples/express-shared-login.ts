/**
 * An Express app sharing its login with a Rails app (see docs/express.md).
 *
 *   npm run build
 *   SECRET_KEY_BASE=… RAILS_LOAD_DEFAULTS=7.1 SESSION_KEY=_myapp_session npx tsx examples/express-shared-login.ts
 *
 * Serve it on the Rails app's domain (behind the same proxy, or another port of the same host in
 * development): browsers send cookies per host, so both apps get the same session cookie.
 */
import express from "express";
import {
  flash,
  formAuthenticityToken,
  railsSession,
  verifyAuthenticityToken,
  wardenUser,
} from "rails-cookie-codec/express";
import type { LoadDefaults } from "rails-cookie-codec";

const escapeHtml = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const app = express();
app.use(
  railsSession({
    secretKeyBase: process.env.SECRET_KEY_BASE ?? "",
    loadDefaults: (process.env.RAILS_LOAD_DEFAULTS ?? "7.1") as LoadDefaults,
    key: process.env.SESSION_KEY ?? "_myapp_session",
  }),
);
app.use(express.urlencoded({ extended: false }));

app.get("/account", (req, res) => {
  const user = wardenUser(req.session);
  if (!user) return res.redirect("/users/sign_in"); // Devise's page, on the Rails app
  // Devise keeps [id, salt]; check the salt against the user's current bcrypt hash before trusting the id.
  const { notice } = flash(req).consume();
  const cart = (req.session.cart as string[] | undefined) ?? [];
  res.send(`<!doctype html>
    <p>${escapeHtml(notice ?? "")}</p>
    <p>User ${escapeHtml(user.id)}, cart: ${cart.map(escapeHtml).join(", ")}</p>
    <form method="post" action="/cart">
      <input type="hidden" name="authenticity_token" value="${formAuthenticityToken(req)}">
      <button>Add a book</button>
    </form>`);
});

app.post("/cart", verifyAuthenticityToken(), (req, res) => {
  const cart = (req.session.cart ??= []) as string[];
  cart.push("book");
  flash(req).set("notice", "Added to your cart");
  res.redirect(303, "/account");
});

app.post("/sign_out", verifyAuthenticityToken(), (req, res) => {
  req.session = null; // reset_session: Rails sees the user signed out too
  res.redirect(303, "/");
});

app.use((err: { code?: string; status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  // cookie_overflow (session > 4 KB) → 500, invalid_authenticity_token → 422, like Rails.
  res.status(err.status ?? 500).send(err.code ?? "error");
});

const port = Number(process.env.PORT ?? 3001);
app.listen(port, "127.0.0.1", () => console.log(`http://127.0.0.1:${port}/account`));
