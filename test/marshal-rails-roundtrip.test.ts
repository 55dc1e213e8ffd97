/**
 * Ruby values survive a Node round trip, judged by real Rails 6.1 (issue: "Ruby values without loss").
 *
 * For every cookie real Rails wrote with Marshal (shared vectors, Rails 6.1–8.0, and the Rails 6.1
 * fixtures): Node reads it, writes it back unchanged, and Rails' `Marshal.dump` of what it reads is
 * byte-identical to `rails_reads_marshal`, what Rails read from its own cookie. Then Node adds a key,
 * and Rails sees the original plus exactly that key. And a hybrid app's Marshal cookie is read with
 * `needsRewrite` and rewritten as JSON that Rails reads to the same value.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { CookieJar, createSessionStore, marshalLoad } from "../src/index.js";
import { configOf, describeWithRails, railsRead, type RailsConfig } from "./helpers/rails.js";
import { asRailsReads, describeLine, jarOptionsFor, loadVectorFile, type VectorLine } from "./helpers/vectors.js";
import { pinnedNow } from "./helpers/clock.js";

const now = pinnedNow;

const marshalLines = [...loadVectorFile("rails-vectors/vectors.jsonl"), ...loadVectorFile("rails61/vectors.jsonl")].filter(
  (l) => l.serializer === "marshal" && l.rails_reads !== null && !l.secret_token && l.expire_after === null && !("action_dispatch.cookies_rotations" in l.extra),
);

/** The Rails 6.1 app that reads the rewritten cookies: the line's defaults, capped at what 6.1 has. */
function readerConfig(line: VectorLine): RailsConfig {
  const defaults = Number(line.defaults) > 6.1 ? "6.1" : line.defaults;
  return {
    defaults,
    serializer: "marshal",
    secret_key_base: "5a".repeat(64),
    session_key: line.session_key,
    expire_after: null,
    extra: {},
  };
}

function writerFor(config: RailsConfig): CookieJar {
  return new CookieJar({ secretKeyBase: config.secret_key_base!, loadDefaults: config.defaults as "6.1", cookiesSerializer: "marshal", now });
}

function decodeLine(line: VectorLine): unknown {
  const jar = new CookieJar(jarOptionsFor(line, now));
  const codec = line.kind === "signed" ? jar.signed : jar.encrypted;
  return codec.decode(line.name, line.value).value;
}

describe("Marshal round-trip inputs", () => {
  it("include every Marshal line of Rails 6.1, 7.0, 7.1, 7.2 and 8.0", () => {
    expect(new Set(marshalLines.map((l) => l.rails.slice(0, 3)))).toEqual(new Set(["6.1", "7.0", "7.1", "7.2", "8.0"]));
    expect(marshalLines.length).toBeGreaterThan(60);
  });
});

describeWithRails("real Rails 6.1 finds Marshal values exactly as it left them after a Node round trip", () => {
  // One Rails boot per reader configuration.
  const groups = new Map<string, VectorLine[]>();
  for (const line of marshalLines) {
    const key = readerConfig(line).defaults;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }

  for (const [defaults, lines] of groups) {
    it(`load_defaults ${defaults}: ${lines.length} cookies read, written back unchanged and with a key added`, async () => {
      const config = readerConfig(lines[0]!);
      const jar = writerFor(config);
      const items: { kind: "session" | "encrypted" | "signed"; name: string; value: string }[] = [];
      const expectations: { line: VectorLine; marshal?: string; reads?: unknown }[] = [];

      for (const line of lines) {
        const codec = line.kind === "signed" ? jar.signed : jar.encrypted;
        // Unchanged: Rails' own Marshal.dump of what it reads must equal what it read from its own cookie.
        items.push({ kind: line.kind, name: line.name, value: codec.set(line.name, decodeLine(line)) });
        expectations.push({ line, marshal: line.rails_reads_marshal! });

        // Changed: one key added to a session (a Hash); Rails sees the original plus that key.
        const value = decodeLine(line);
        if (line.kind === "session" && value !== null && typeof value === "object" && !Array.isArray(value)) {
          (value as Record<string, unknown>)["added_by_node"] = "hello from Node";
          items.push({ kind: line.kind, name: line.name, value: codec.set(line.name, value) });
          const original = marshalLoad(Buffer.from(line.rails_reads_marshal!, "base64")) as Record<string, unknown>;
          expectations.push({ line, reads: { ...(asRailsReads(original) as object), added_by_node: "hello from Node" } });
        }
      }

      const results = await railsRead(config, items);
      results.forEach((result, i) => {
        const { line, marshal, reads } = expectations[i]!;
        if (marshal !== undefined) expect(result.rails_reads_marshal, describeLine(line)).toBe(marshal);
        if (reads !== undefined) expect(result.rails_reads, `${describeLine(line)} + added_by_node`).toEqual(reads);
      });
    });
  }

  it("a hybrid app reads a Marshal cookie with needsRewrite, rewrites it as JSON, and Rails reads the JSON", async () => {
    const line = marshalLines.find((l) => l.kind === "session" && l.scenario === "session_rich" && l.rails.startsWith("6.1"))!;
    const hybrid = new CookieJar({ ...jarOptionsFor(line, now), cookiesSerializer: "hybrid" });
    const decoded = hybrid.encrypted.decode(line.name, line.value);
    expect(decoded.scheme.serializer).toBe("marshal");
    expect(decoded.needsRewrite).toBe(true);

    const rewritten = hybrid.encrypted.set(line.name, decoded.value);
    const again = hybrid.encrypted.decode(line.name, rewritten);
    expect(again.scheme.serializer).toBe("json");
    expect(again.needsRewrite).toBe(false);

    const config: RailsConfig = {
      defaults: line.defaults,
      serializer: "hybrid",
      secret_key_base: line.secret_key_base,
      session_key: line.session_key,
      expire_after: null,
      extra: line.extra,
    };
    const [result] = await railsRead(config, [{ kind: "session", name: line.name, value: rewritten }]);
    expect(result!.rails_reads).toEqual(line.rails_reads);
  });
});

describeWithRails("the session store keeps Ruby's bytes for what Node did not change", () => {
  const lines = marshalLines.filter((l) => l.kind === "session" && l.scenario === "session_ruby_types" && l.rails.startsWith("6.1"));

  it("covers the Ruby-typed Marshal sessions of every load_defaults Rails 6.1 wrote", () => {
    expect(new Set(lines.map((l) => l.defaults))).toEqual(new Set(["5.0", "5.1", "5.2", "6.0", "6.1"]));
  });

  for (const line of lines) {
    it(`${describeLine(line)}: loaded by the store, a key added, committed; Rails dumps exactly Ruby's original plus that key`, async () => {
      const store = createSessionStore({ ...jarOptionsFor(line, now), key: line.name });
      const session = store.load(`${line.name}=${line.value}`);
      session["added_by_node"] = "hello from Node";
      const setCookie = store.commit(session);
      expect(setCookie).not.toBeNull();

      // What Ruby itself makes of "the original Hash plus that key".
      const expected = spawnSync(
        "ruby",
        ["-ractive_support/all", "-e", 'h = Marshal.load(STDIN.read.unpack1("m0")); h["added_by_node"] = "hello from Node"; print [Marshal.dump(h)].pack("m0")'],
        { input: line.rails_reads_marshal!, encoding: "utf8" },
      );
      expect(expected.status, expected.stderr).toBe(0);

      const value = setCookie!.slice(line.name.length + 1, setCookie!.indexOf(";"));
      const [result] = await railsRead(configOf(line), [{ kind: "session", name: line.name, value }]);
      expect(result!.rails_reads_marshal).toBe(expected.stdout);
    });
  }
});
