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
import { inspect } from "./inspect.js";
import { sessions } from "./sessions.js";
import { EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, type Io } from "./io.js";
import { UsageError } from "./options.js";
import { paintFor } from "./output.js";

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = { decode, inspect, explain, encode, sessions };

/** Runs one command line; never throws for a user's mistake or a bad cookie. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
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

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      text += chunk;
      // A cookie header is a few KB; refuse to buffer a runaway pipe.
      if (text.length > 1_000_000) reject(new UsageError("stdin is larger than 1 MB: not a cookie"));
    });
    process.stdin.on("end", () => resolve(text));
    process.stdin.on("error", reject);
  });
}

const io: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin,
  env: process.env,
  paint: paintFor(process.stdout.isTTY === true, process.env),
  paintErr: paintFor(process.stderr.isTTY === true, process.env),
};

// `rails-cookie sessions list | head`: a closed pipe ends the listing quietly, as for any Unix tool.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rails-cookie: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
