#!/usr/bin/env node
/**
 * `rails-cookie`: the command line over the library (package.json `bin`, built by tsup to
 * dist/cli.js). Commands live one per module; this file only dispatches and maps failures to exit
 * statuses: 0 done, 1 the cookie cannot be read or written (reason code on stderr), 2 usage error.
 */
import { RailsCookieError } from "../errors.js";
import { decode } from "./decode.js";
import { encode } from "./encode.js";
import { explain } from "./explain.js";
import { HELP } from "./help.js";
import { readStdin } from "./input.js";
import { inspect } from "./inspect.js";
import { sessions } from "./sessions.js";
import { EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, type Io } from "./io.js";
import { UsageError } from "./options.js";
import { paintFor } from "./output.js";

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = { decode, inspect, explain, encode, sessions };

/** Set by tsup from package.json (tsup.config.ts); absent when run from the sources. */
declare const __RCC_VERSION__: string | undefined;
const VERSION = typeof __RCC_VERSION__ === "string" ? __RCC_VERSION__ : "0.0.0-source";

/** Runs one command line; never throws for a user's mistake or a bad cookie. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v" || command === "version") {
    io.out(`rails-cookie ${VERSION}\n`);
    return EXIT_OK;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" && rest[0] && HELP[rest[0]] ? rest[0] : "main";
    io.out(HELP[topic]! + "\n");
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    io.err(`${io.paintErr.bad("error:")} usage: unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(", ")} (rails-cookie --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await handler(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${io.paintErr.bad("error:")} usage: ${error.message}\n${io.paintErr.dim(`(rails-cookie ${command} --help)`)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof RailsCookieError) {
      // Credentials that do not decrypt, an option Rails would refuse: the cookie cannot be read.
      io.err(`${io.paintErr.bad("error:")} ${error.code}: ${error.message}\n`);
      return error.code === "invalid_option" ? EXIT_USAGE : EXIT_UNREADABLE;
    }
    throw error;
  }
}

const io: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin: () => readStdin(process.stdin),
  env: process.env,
  paint: paintFor(process.stdout.isTTY === true, process.env),
  paintErr: paintFor(process.stderr.isTTY === true, process.env),
};

// `rails-cookie sessions list | head`: a closed pipe ends the listing quietly, as for any Unix tool.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

/**
 * The last guard: whatever escaped (a bug, not the user's input) is one line and status 70
 * (EX_SOFTWARE), never a stack trace; RAILS_COOKIE_DEBUG=1 shows the stack.
 */
function internalError(error: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = process.env["RAILS_COOKIE_DEBUG"] && error instanceof Error ? `\n${error.stack}` : "";
  process.stderr.write(`rails-cookie: internal error: ${detail.split("\n")[0]}${stack}\n`);
  process.exitCode = 70;
}
// Thrown outside `run` (a stream's error event, a stray rejection): the same line, and stop there.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    internalError(error);
    process.exit();
  });
}

run(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
}, internalError);
