/**
 * Marshal and MessagePack on demand, for the edge build: most sessions are JSON, and the two
 * codecs are 60% of the minified edge bundle (bench/edge-size.mjs). In that build
 * src/serializers/index.ts gets ./marshal.web.ts and ./messagePack.web.ts instead of the real
 * serializers (tsup.config.ts): they detect their format from the first bytes as Rails does, and the
 * first time one must load or dump, it throws `SerializerNotLoaded`; the async jar then imports the
 * codec (`loadSerializer`) and runs the same step again. The Node build never sees these modules.
 */
import type { Serializer, SerializerFormat } from "./types.js";

/** Thrown inside the edge build only; the async jar catches it and never lets it out. @internal */
export class SerializerNotLoaded extends Error {
  constructor(readonly format: SerializerFormat) {
    super(`the ${format} serializer is not loaded yet`);
  }
}

const importers: Partial<Record<SerializerFormat, () => Promise<Serializer>>> = {};
const loaded: Partial<Record<SerializerFormat, Serializer>> = {};

/** A serializer that detects at once and loads its codec on first use. */
export function lazySerializer(format: SerializerFormat, detect: (bytes: Uint8Array) => boolean, load: () => Promise<Serializer>): Serializer {
  importers[format] = load;
  const real = (): Serializer => loaded[format] ?? thrower(format);
  return { format, detect, dump: (value) => real().dump(value), load: (bytes) => real().load(bytes) };
}

function thrower(format: SerializerFormat): never {
  throw new SerializerNotLoaded(format);
}

export async function loadSerializer(format: SerializerFormat): Promise<void> {
  const load = importers[format];
  if (load) loaded[format] ??= await load();
}

/** Runs `step`, importing whichever serializer it asks for first (at most two: Marshal, MessagePack). */
export async function withSerializers<T>(step: () => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof SerializerNotLoaded) || attempt === 2) throw error;
      await loadSerializer(error.format);
    }
  }
}
