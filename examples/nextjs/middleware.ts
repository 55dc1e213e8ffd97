// Next.js middleware (runs on the Edge runtime): read the Rails session, send signed-out users to
// the Rails login. Next resolves `rails-cookie-codec` with the `edge-light` condition, i.e. the Web
// Crypto build. Run it: `npm install next react react-dom rails-cookie-codec`, put this file at the
// root of a Next app, set SECRET_KEY_BASE (the Rails app's `bin/rails secret`/credentials value),
// then `npx next dev`.
import { NextResponse, type NextRequest } from "next/server";
import { createCookieJar } from "rails-cookie-codec";

// Derived once per isolate (PBKDF2), on the first request.
let jar: ReturnType<typeof createCookieJar> | undefined;

export async function middleware(request: NextRequest) {
  jar ??= createCookieJar({ secretKeyBase: process.env.SECRET_KEY_BASE!, loadDefaults: "7.1" });
  const session = (await (await jar).session.get("_myapp_session", request.cookies.get("_myapp_session")?.value)) as
    | Record<string, unknown>
    | null;
  // Devise keeps the user as [[id], salt] under "warden.user.user.key".
  const user = session?.["warden.user.user.key"];
  if (!user) return NextResponse.redirect(new URL("/users/sign_in", request.url));
  const headers = new Headers(request.headers);
  headers.set("x-rails-user-id", String((user as [[number]])[0][0]));
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/dashboard/:path*"] };
