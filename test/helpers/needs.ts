/**
 * Suites that need something outside Node (Ruby, Rails, a Redis or SQL server, a runtime binary).
 *
 * `describeNeeding(requirement, name, fn)`:
 * - available: an ordinary `describe(name, fn)`;
 * - missing under `CI=true`: one failing test saying what is missing (CI must never pass without it);
 * - missing elsewhere: a loud warning and one skipped test. `fn` is NOT called, so a suite may do
 *   its expensive or dependent setup at collection time without crashing where the thing is absent.
 */
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";

export interface Requirement {
  /** What the suite needs, for messages: "Ruby with Rails 6.1". */
  readonly what: string;
  /** How to get it: "apt-get install -y ruby ruby-rails". */
  readonly install: string;
  readonly available: boolean;
}

/** A requirement met when `command args…` exits 0 (and its stdout matches `expect`, if given). */
export function commandRequirement(what: string, install: string, command: string, args: string[], expect?: RegExp): Requirement {
  let available = false;
  const probe = () => {
    const r = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
    return r.status === 0 && (expect === undefined || expect.test(r.stdout ?? ""));
  };
  return {
    what,
    install,
    get available() {
      // Probed once, on first use: a file that never asks pays nothing.
      if (!probed.has(this)) {
        available = probe();
        probed.add(this);
      }
      return available;
    },
  };
}
const probed = new WeakSet<object>();

export const inCI = process.env["CI"] === "true";

/** Why a suite cannot run, as printed. */
export function missingMessage(requirement: Requirement): string {
  return `${requirement.what} is not available (${requirement.install})`;
}

export function describeNeeding(requirement: Requirement, name: string, fn: () => void): void {
  if (requirement.available) {
    describe(name, fn);
    return;
  }
  const why = missingMessage(requirement);
  if (inCI) {
    describe(name, () => {
      it(`needs ${requirement.what}`, () => {
        throw new Error(`${why}, and CI=true: CI must run this suite`);
      });
    });
    return;
  }
  console.warn(`\n⚠️  SKIPPED "${name}": ${why}\n`);
  describe(name, () => {
    it.skip(`needs ${requirement.what}: ${why}`, () => {});
  });
}

/** `ruby` runs (plain Ruby, for Marshal/JSON checks). */
export const ruby = commandRequirement("Ruby", "apt-get install -y ruby", "ruby", ["-e", "print RUBY_VERSION"], /^\d+\.\d+/);

/** Ruby with Rails (action_controller/railtie loads): the real-Rails oracle. */
export const rails = commandRequirement(
  "Ruby with Rails",
  "apt-get install -y ruby ruby-rails",
  "ruby",
  ["-e", 'require "rails"; require "action_controller/railtie"; print Rails.version'],
  /^\d+\.\d+/,
);

/** Ruby with the msgpack gem and ActiveSupport. */
export const rubyMsgpack = commandRequirement(
  "Ruby with the msgpack gem",
  "apt-get install -y ruby ruby-msgpack ruby-rails",
  "ruby",
  ["-e", 'require "msgpack"; require "active_support"; print MessagePack::VERSION'],
  /^\d+\.\d+/,
);
