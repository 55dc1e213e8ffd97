/**
 * What a command may touch: its streams and environment, passed in so that commands stay pure
 * functions of their input (main.ts wires them to the process).
 */
import type { Paint } from "./output.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** All of stdin as text (for `-`). */
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  /** Colours for stdout and stderr (plain unless a terminal without NO_COLOR). */
  paint: Paint;
  paintErr: Paint;
}

/** Exit statuses: 0 done, 1 the cookie cannot be read / written, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_UNREADABLE = 1;
export const EXIT_USAGE = 2;
