import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { ModelPublisher } from "../../src/fleet/model-publisher.ts";
import { PublishedModels, type ModelDescription } from "../../src/fleet/published-models.ts";
import { SD15_FAMILY } from "../../src/inference/index.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { until } from "../bot/harness.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# published-models: ${skip}`);

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const turbo: ModelDescription = {
  name: "sd-turbo",
  commit: COMMIT,
  source: { repo: "onnx-community/sd-turbo-ONNX", revision: "main" },
  family: { name: "sd-turbo", label: "SD-Turbo" },
  defaults: { scheduler: "euler", steps: 1, guidanceScale: 0, width: 512, height: 512, img2img: { steps: 2, strength: 0.5 } },
  safetyChecker: true,
  startup: true,
};
const lcm: ModelDescription = {
  name: "lcm",
  family: { name: "lcm", label: "LCM" },
  defaults: { scheduler: "lcm", steps: 4, guidanceScale: 8.5, width: 512, height: 512, lcmDistilled: true },
  safetyChecker: false,
  startup: false,
};
const local: ModelDescription = { name: "my-sd15", family: { name: "sd1", label: "SD 1.x" }, defaults: SD15_FAMILY.defaults, safetyChecker: false, startup: false };

/** The fleet's model catalog on a real Redis, under a prefix of this test's own. */
describe("the fleet's published models", { skip }, () => {
  let env: ReturnType<typeof testPrefix>;
  let catalog: PublishedModels;
  let redis: Redis;
  before(() => {
    env = testPrefix();
    catalog = new PublishedModels({ redisUrl: TEST_REDIS_URL, prefix: env.prefix });
    redis = new Redis(TEST_REDIS_URL);
  });
  after(async () => {
    catalog.close();
    redis.disconnect();
    await env.cleanup();
  });

  test("what a worker publishes is read back whole, keyed by name@commit", async () => {
    await catalog.publish([turbo, local, lcm], 1_000);
    const read = (await catalog.read()).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(read, [
      { ...lcm, lastSeenAt: 1_000 },
      { ...local, lastSeenAt: 1_000 },
      { ...turbo, lastSeenAt: 1_000 },
    ]);
    assert.deepEqual((await redis.hkeys(`${env.prefix}:fleet:models`)).sort(), ["lcm", "my-sd15", `sd-turbo@${COMMIT}`]);
  });

  test("nothing expires: a model no worker republished keeps its last-seen time; a republished one is seen again", async () => {
    assert.equal(await redis.ttl(`${env.prefix}:fleet:models`), -1, "no TTL on the catalog");
    assert.equal(await redis.ttl(`${env.prefix}:fleet:startup-models`), -1, "no TTL on the startup models");
    // Another worker, later, serves only the turbo model: the local one's workers are down, it is still known.
    await catalog.publish([{ ...turbo, startup: false }], 5_000);
    const byName = new Map((await catalog.read()).map((m) => [m.name, m]));
    assert.equal(byName.get("sd-turbo")?.lastSeenAt, 5_000);
    assert.equal(byName.get("my-sd15")?.lastSeenAt, 1_000);
    assert.equal(byName.get("sd-turbo")?.startup, true, "a worker started with it once: it stays a startup model");
    assert.equal(byName.get("my-sd15")?.startup, false);
  });

  test("an entry another version wrote in another shape is skipped and told, not thrown", async () => {
    await redis.hset(`${env.prefix}:fleet:models`, "broken", JSON.stringify({ name: "broken", defaults: { steps: "many" } }));
    const told: string[] = [];
    const reader = new PublishedModels({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, onInvalid: (label) => told.push(label) });
    try {
      assert.deepEqual((await reader.read()).map((m) => m.name).sort(), ["lcm", "my-sd15", "sd-turbo"]);
      assert.deepEqual(told, ["broken"]);
    } finally {
      reader.close();
      await redis.hdel(`${env.prefix}:fleet:models`, "broken");
    }
  });

  test("a worker's publisher gives a Redis that lost the catalog (FLUSH of the prefix) its models back", async () => {
    const publisher = new ModelPublisher({ catalog, describe: async () => [turbo], intervalMs: 50 });
    await publisher.start();
    try {
      assert.ok((await catalog.read()).some((m) => m.name === "sd-turbo"), "published at start");
      await env.cleanup(); // every key of this prefix gone, as after a restart of a Redis that keeps nothing on disk
      assert.deepEqual(await catalog.read(), [], "lost");
      await until(async () => (await catalog.read()).some((m) => m.name === "sd-turbo"), "the catalog published again");
      const [back] = await catalog.read();
      assert.equal(back?.startup, true);
      assert.deepEqual(back?.defaults, turbo.defaults);
    } finally {
      publisher.stop();
    }
  });
});
