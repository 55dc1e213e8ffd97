/**
 * Every ```ts block of README.md and docs/*.md, and every program in examples/, type-checks under
 * `strict`, as a user would paste it, against the built package (its `exports` and .d.ts, imported
 * by name as `rails-cookie-codec`).
 *
 * Each block is its own module. The names the snippets take from the code around them (an
 * Express `app`/`req`/`res`, a `jar` or `store` built in an earlier block, a `raw` cookie value, a
 * `secretKeyBase`) are declared once in a prelude; everything else a block uses it must import.
 * `npm test` builds dist/ before vitest runs.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/rails.js";

interface Block {
  doc: string;
  line: number;
  code: string;
}

function tsBlocks(doc: string): Block[] {
  const text = readFileSync(resolve(repoRoot, doc), "utf8");
  const blocks: Block[] = [];
  const fence = /^```ts\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    blocks.push({ doc, line: text.slice(0, m.index).split("\n").length, code: m[1]! });
  }
  return blocks;
}

/** The runnable examples the README links to: each is a whole program, checked as it is. */
function exampleFiles(dir = resolve(repoRoot, "examples")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? exampleFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}
const examples = exampleFiles().map((f) => ({ doc: f.slice(repoRoot.length + 1), line: 1, code: readFileSync(f, "utf8") }));

const docs = ["README.md", ...readdirSync(resolve(repoRoot, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const blocks = [...docs.flatMap(tsBlocks), ...examples];

const PRELUDE = `import type { Express, Request, Response } from "express";
import type { CookieJar, SessionStore } from "rails-cookie-codec";
declare global {
  /** What the snippets take from the code around them. */
  const app: Express;
  const req: Request;
  const res: Response;
  const raw: string;
  const secretKeyBase: string;
  const jar: CookieJar;
  const store: SessionStore;
}
export {};
`;

/**
 * Next.js is not installed (it is hundreds of MB): the two names its snippet imports, declared as
 * next/server declares them (NextRequest is a Request with a cookie map; NextResponse a Response).
 */
const NEXT_SERVER = `declare module "next/server" {
  export class NextRequest extends Request {
    readonly cookies: { get(name: string): { name: string; value: string } | undefined };
  }
  export class NextResponse extends Response {
    static redirect(url: string | URL, status?: number): NextResponse;
    static next(init?: { request?: { headers?: Headers }; headers?: HeadersInit; status?: number }): NextResponse;
  }
}
`;

describe("the ```ts blocks of README.md and docs/ type-check under strict", () => {
  it("there are blocks to check, in README.md and docs/express.md at least, and the examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.doc === "README.md").length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.doc === "docs/express.md").length).toBeGreaterThanOrEqual(3);
  });

  it(`all ${blocks.length} blocks compile with tsc --strict against the built package`, () => {
    // Inside the repository, so that `rails-cookie-codec` resolves to this package by its own name
    // (package.json "exports") and express/koa/fastify types come from its node_modules.
    const dir = resolve(repoRoot, ".docs-typecheck");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const files = blocks.map((b, i) => {
      const name = `${String(i).padStart(2, "0")}-${b.doc.replace(/[/.]/g, "_")}-L${b.line}.ts`;
      writeFileSync(join(dir, name), `${b.code}\nexport {};\n`);
      return name;
    });
    writeFileSync(join(dir, "prelude.d.ts"), PRELUDE);
    writeFileSync(join(dir, "next-server.d.ts"), NEXT_SERVER);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          lib: ["ES2022", "DOM"],
          types: ["node"],
          esModuleInterop: true,
          skipLibCheck: true, // @types/koa itself does not check; our own .d.ts are checked below
          noEmit: true,
        },
        files: ["prelude.d.ts", "next-server.d.ts", ...files],
      }),
    );
    const tsc = spawnSync(process.execPath, [resolve(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    const where = new Map(files.map((f, i) => [f, `${blocks[i]!.doc}:${blocks[i]!.line}`]));
    const report = (tsc.stdout + tsc.stderr).replace(/(\d\d-[^(/]+\.ts)\(/g, (_m, f: string) => `${f} (${where.get(f) ?? "?"})(`);
    expect(report, "tsc output").toBe("");
    expect(tsc.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the package's own .d.ts (every entry) check without skipLibCheck", () => {
    const dir = resolve(repoRoot, ".docs-typecheck-dts");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, "entries.ts"), 'import * as codec from "rails-cookie-codec";\nimport * as express from "rails-cookie-codec/express";\nexport { codec, express };\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", types: ["node"], skipLibCheck: false, noEmit: true },
        files: ["entries.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [resolve(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr, "tsc output").toBe("");
    expect(tsc.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
