/** An `Io` for calling a CLI command in-process: collects stdout and stderr, no colours, empty env. */
import type { Io } from "../../src/cli/io.js";
import { paintFor } from "../../src/cli/output.js";

export function fakeIo(env: Record<string, string> = {}): Io & { text: () => string; errors: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readStdin: async () => "",
    env,
    paint: paintFor(false, {}),
    paintErr: paintFor(false, {}),
    text: () => out,
    errors: () => err,
  };
}
