/**
 * Empties dist/ before tsup builds it (package.json "build", "prepare", "prepack", "test").
 *
 * tsup.config.ts runs two builds at once, Node into dist/ and edge into dist/edge/, and neither
 * cleans: tsup's declaration build deletes every `**\/*.d.ts` under its outDir whenever `clean` is
 * set, whatever the clean patterns say, so the Node build deleted the edge build's
 * dist/edge/*.d.ts while that build was writing them ("ENOENT: unlink dist/edge/index.d.ts" in a
 * CI run on 2026-12-03; on another timing, an edge build without its types).
 */
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
