/**
 * The real Redis and Memcached servers the store tests talk to (never mocks). `.ci/run` starts
 * them on 127.0.0.1 (`.ci/services/*.sh`) and exports `RCC_REDIS_URL` (redis://127.0.0.1:16379)
 * and `RCC_MEMCACHED_SERVERS` (127.0.0.1:21211). Without them the tests skip loudly, and fail
 * under CI=true, like describeWithRails.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";

export const redisUrl: string | undefined = process.env.RCC_REDIS_URL || undefined;
export const memcachedServers: string | undefined = process.env.RCC_MEMCACHED_SERVERS || undefined;

function describeWithServer(what: string, available: boolean, env: string, name: string, fn: () => void): void {
  const missing = `${what} is not configured (set ${env}; .ci/run starts one): tests against a real ${what} cannot run`;
  if (available) describe(name, fn);
  else if (process.env.CI === "true") {
    describe(name, () => {
      it(`needs ${what}`, () => {
        throw new Error(missing);
      });
    });
  } else {
    console.warn(`\n⚠️  SKIPPED "${name}": ${missing}\n`);
    describe.skip(name, fn);
  }
}

export function describeWithRedis(name: string, fn: () => void): void {
  describeWithServer("Redis", redisUrl !== undefined, "RCC_REDIS_URL", name, fn);
}

export function describeWithMemcached(name: string, fn: () => void): void {
  describeWithServer("Memcached", memcachedServers !== undefined, "RCC_MEMCACHED_SERVERS", name, fn);
}

/** A namespace no other test (or earlier run) uses, so tests never see each other's keys. */
export function uniqueNamespace(label: string): string {
  return `rcc-test-${label}-${randomBytes(4).toString("hex")}`;
}

export type RedisFlavour = "node-redis" | "node-redis-4" | "ioredis";
/** node-redis 5, node-redis 4 (dev dependency `redis4`, an npm alias of redis@4) and ioredis 5. */
export const REDIS_FLAVOURS: RedisFlavour[] = ["node-redis", "node-redis-4", "ioredis"];

/** A connected client of either library, and how to close it. */
export async function connectRedis(flavour: RedisFlavour): Promise<{ client: any; close: () => Promise<void> }> {
  if (flavour === "node-redis") {
    const { createClient } = await import("redis");
    const client = createClient({ url: redisUrl });
    await client.connect();
    return { client, close: async () => void (await client.close()) };
  }
  if (flavour === "node-redis-4") {
    const { createClient } = await import("redis4");
    const client = createClient({ url: redisUrl });
    await client.connect();
    return { client, close: async () => void (await client.quit()) };
  }
  const { Redis } = await import("ioredis");
  const client = new Redis(redisUrl!, { lazyConnect: true });
  await client.connect();
  return { client, close: async () => void (await client.quit()) };
}

/**
 * A `describe` per Redis client library, each with a connected client (closed afterwards):
 * `forEachRedisClient((client, flavour) => { it(…, async () => …client()…) })`.
 */
export function forEachRedisClient(fn: (client: () => any, flavour: RedisFlavour) => void): void {
  for (const flavour of REDIS_FLAVOURS) {
    describe(flavour, () => {
      let redis: Awaited<ReturnType<typeof connectRedis>> | undefined;
      beforeAll(async () => {
        redis = await connectRedis(flavour);
      });
      afterAll(async () => redis?.close());
      fn(() => redis!.client, flavour);
    });
  }
}
