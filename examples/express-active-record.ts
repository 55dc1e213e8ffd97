/**
 * An Express app on the same `sessions` table as a Rails app with activerecord-session_store
 * (see docs/active-record-store.md), or on its own server-side sessions in a SQLite file. The Rails side:
 *
 *   # Gemfile: gem "activerecord-session_store"   then: rails generate active_record:session_migration
 *   # config/initializers/session_store.rb
 *   Rails.application.config.session_store :active_record_store, key: "_myapp_session"
 *
 * Run (after `npm run build`), with the driver of your database (`npm install better-sqlite3`, `pg` or `mysql2`):
 *   DATABASE_URL=sqlite:tmp/sessions.sqlite3 npx tsx examples/express-active-record.ts
 *   DATABASE_URL=postgres://app@127.0.0.1:5432/app_production npx tsx examples/express-active-record.ts
 *   DATABASE_URL=mysql://app:secret@127.0.0.1:3306/app_production npx tsx examples/express-active-record.ts
 * then: curl -c jar -b jar http://127.0.0.1:3000/ (twice).
 */
import express from "express";
import { railsSession, wardenUser } from "rails-cookie-codec/express";
import { ActiveRecordStore, type ActiveRecordClient } from "rails-cookie-codec";

const url = process.env.DATABASE_URL ?? "sqlite:tmp/sessions.sqlite3";

async function connect(): Promise<ActiveRecordClient> {
  if (url.startsWith("postgres")) {
    const { default: pg } = await import("pg");
    return new pg.Pool({ connectionString: url });
  }
  if (url.startsWith("mysql")) {
    const mysql = await import("mysql2/promise");
    return mysql.createPool({ uri: url, charset: "utf8mb4" });
  }
  // The embedded default: a file, no database server.
  const { default: Database } = await import("better-sqlite3");
  const { mkdirSync } = await import("node:fs");
  const { dirname, resolve } = await import("node:path");
  const path = resolve(url.replace(/^sqlite:/, ""));
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL"); // readers do not wait for the writer
  return db;
}

const store = new ActiveRecordStore({
  client: await connect(),
  serializer: "marshal",        // ActiveRecord::SessionStore::Session.serializer (the gem's default)
  cleaner: { maxAge: 30 * 86_400, interval: 3600 }, // like a daily `rails db:sessions:trim`, every hour
});
await store.createTable(); // the gem's migration, if the table is not there yet (Rails' own table is left alone)

const app = express();
app.use(railsSession({ key: "_myapp_session", store, loadDefaults: "7.1" }));
app.get("/", (req, res) => {
  req.session.visits = ((req.session.visits as number) ?? 0) + 1;
  res.json({ visits: req.session.visits, user: wardenUser(req.session) });
});
app.post("/sign_out", (req, res) => {
  req.session = null; // reset_session: the row goes
  res.redirect(303, "/");
});

const server = app.listen(3000, "127.0.0.1", () => console.log(`http://127.0.0.1:3000/ — sessions in ${url}`));
process.on("SIGINT", () => server.close(() => void store.close().then(() => process.exit(0))));
