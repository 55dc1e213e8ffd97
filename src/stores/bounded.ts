/**
 * Every call to a session server is bounded in time: a server that is down, or a client that
 * queues commands while it reconnects (node-redis' offline queue, memjs' retries), becomes a
 * `SessionStoreUnavailableError` (code `store_unavailable`) after `timeout` ms instead of a request
 * that hangs. Any error the client raises becomes one too, with the client's error as `cause`.
 */
import { InvalidOptionError, SessionStoreUnavailableError } from "../errors.js";

/** A duration option, in seconds as everywhere in this library (`timeout`, `expireAfter`, `olderThan`). */
export function positiveSeconds(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InvalidOptionError(`${what} must be a positive number of seconds`);
  return value;
}

export function bounded<T>(call: () => Promise<T>, timeout: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SessionStoreUnavailableError(`${what} did not answer within ${timeout} ms`)), timeout);
    timer.unref?.();
    let sent: Promise<T>;
    try {
      sent = call();
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(new SessionStoreUnavailableError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      },
    );
  });
}
