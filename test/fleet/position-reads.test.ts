import assert from "node:assert/strict";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { FLEET_QUEUE_NAME, type FleetJobData } from "../../src/fleet/fleet-job.ts";
import { FleetPositionTracker, type ReadPacer } from "../../src/fleet/fleet-position-tracker.ts";
import { FleetQueue } from "../../src/fleet/fleet-queue.ts";
import type { JobPosition, JobSpec } from "../../src/jobs/index.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# position-reads: ${skip}`);

const INTERVAL_MS = 1_000;
const STEP_MS = 10;

/** A clock that moves only when the test says so: reads spaced by the interval happen exactly when it is advanced. */
class ManualPacer implements ReadPacer {
  #now = 0;
  #sleepers: Array<{ at: number; resolve: () => void }> = [];
  now(): number {
    return this.#now;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sleepers.push({ at: this.#now + ms, resolve }));
  }
  advance(ms: number): void {
    this.#now += ms;
    for (const sleeper of this.#sleepers.filter((s) => s.at <= this.#now)) sleeper.resolve();
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
  }
  get sleeping(): number {
    return this.#sleepers.length;
  }
}

describe("FleetPositionTracker: reads of the fleet's positions", { skip, timeout: 60_000 }, () => {
  let env: ReturnType<typeof testPrefix>;
  let fleet: FleetQueue<JobSpec>;
  let queue: Queue<FleetJobData<JobSpec>>;
  let queueConnection: Redis;
  let redis: Redis;
  let pacer: ManualPacer;
  let tracker: FleetPositionTracker<JobSpec>;
  let reads: Array<Map<string, JobPosition>>;

  beforeEach(() => {
    env = testPrefix();
    // Adds jobs as a bot process does (fair rounds, BullMQ priorities); it reads no positions itself.
    fleet = new FleetQueue<JobSpec>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, trackPositions: false, onError: () => undefined });
    queueConnection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(FLEET_QUEUE_NAME, { connection: queueConnection, prefix: env.prefix });
    redis = new Redis(TEST_REDIS_URL);
    pacer = new ManualPacer();
    reads = [];
    tracker = new FleetPositionTracker<JobSpec>({
      queue,
      redis,
      prefix: env.prefix,
      track: true,
      initialStepMs: STEP_MS,
      readIntervalMs: INTERVAL_MS,
      pacer,
      onJob: () => undefined,
      onPositions: (positions) => reads.push(positions),
      onError: (error) => assert.fail(error instanceof Error ? error : String(error)),
    });
  });
  afterEach(async () => {
    tracker.close();
    await Promise.all([fleet.close(), queue.close()]);
    queueConnection.disconnect();
    redis.disconnect();
    await env.cleanup();
  });

  test("a burst of refreshes within the interval costs two reads, the second seeing the burst's last change", async () => {
    const refreshes: Array<Promise<void>> = [];
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      // One member each: every job in round 1, so the order is the order they were added.
      ids.push(`burst-${i}`);
      await fleet.enqueue({ id: `burst-${i}`, userId: `member-${i}`, steps: 4 });
      refreshes.push(tracker.refresh());
    }
    pacer.advance(INTERVAL_MS);
    await Promise.all(refreshes);
    assert.equal(reads.length, 2, `${reads.length} reads`);
    assert.deepEqual([...reads.at(-1)!].map(([id, { position }]) => `${position} ${id}`), ids.map((id, i) => `${i + 1} ${id}`));
  });

  // The timeout only turns a hang (onIdle waiting for a clock that never moves) into a failure.
  test("onIdle reads at once, without waiting for the interval", { timeout: 10_000 }, async () => {
    await fleet.enqueue({ id: "only", userId: "alice", steps: 4 });
    await tracker.refresh();
    assert.equal(reads.at(-1)?.get("only")?.position, 1);
    assert.equal(await fleet.cancel("only"), "cancelled-queued");
    const refreshed = tracker.refresh();
    assert.equal(pacer.sleeping, 1, "the next read waits for the interval");
    // The clock never moves: only onIdle can start the read.
    await tracker.onIdle();
    await refreshed;
    assert.equal(reads.at(-1)?.size, 0);
  });

  test("a waiting job's data is read once; later reads take its cost from memory", async () => {
    const loaded = await jobHashReads(env.prefix);
    try {
      await fleet.enqueue({ id: "a", userId: "alice", steps: 4, cost: 3 });
      await fleet.enqueue({ id: "b", userId: "bob", steps: 4, cost: 5 });
      await fleet.enqueue({ id: "c", userId: "carol", steps: 4 });
      await loaded.since(); // enqueue's own look for the job on Redis
      await tracker.refresh();
      assert.deepEqual(await loaded.since(), ["job-a", "job-b", "job-c"]);
      // alice's second job: round 2, after carol's.
      await fleet.enqueue({ id: "d", userId: "alice", steps: 4 });
      await loaded.since();
      pacer.advance(INTERVAL_MS);
      await tracker.refresh();
      assert.deepEqual(await loaded.since(), ["job-d"]);
      const positions = reads.at(-1)!;
      assert.deepEqual([...positions.keys()], ["a", "b", "c", "d"]);
      // No worker yet (counts as one): d starts once a, b and c (3 + 5 + 4 reference steps) have run.
      assert.equal(positions.get("d")?.etaMs, 12 * STEP_MS);
    } finally {
      loaded.stop();
    }
  });
});

/**
 * The job hashes under `prefix` that Redis was asked to read (HGET or HGETALL, by clients or by scripts), as the
 * server's MONITOR reports them: `since()` returns those read since its previous call, in order, without repeats.
 * A plain socket: ioredis' monitor() can take a line that arrives with MONITOR's own OK for a reply out of turn.
 */
async function jobHashReads(prefix: string): Promise<{ since(): Promise<string[]>; stop(): void }> {
  const jobKey = `${prefix}:${FLEET_QUEUE_NAME}:`;
  const url = new URL(TEST_REDIS_URL);
  const socket = connect(Number(url.port || 6379), url.hostname);
  const marker = new Redis(TEST_REDIS_URL);
  let seen: string[] = [];
  let markers = 0;
  let markerSeen: (() => void) | undefined;
  let okays = url.password ? 2 : 1;
  let monitoring!: () => void;
  const started = new Promise<void>((resolve) => (monitoring = resolve));
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    const lines = (buffered + chunk).split("\r\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "+OK" && okays > 0 && --okays === 0) monitoring();
      // +1700000000.000000 [0 127.0.0.1:38612] "hget" "key" "field"
      const [name = "", key = ""] = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
      const command = name.toLowerCase(); // scripts' commands show as they wrote them
      if ((command === "hget" || command === "hgetall") && key.startsWith(`${jobKey}job-`)) seen.push(key.slice(jobKey.length));
      if (command === "get" && key === `${prefix}:marker:${markers}`) markerSeen?.();
    }
  });
  const password = url.password ? `AUTH ${url.username ? `${decodeURIComponent(url.username)} ` : ""}${decodeURIComponent(url.password)}\r\n` : "";
  socket.write(`${password}MONITOR\r\n`);
  await started;
  return {
    async since() {
      // Redis shows commands to a monitor in the order it runs them: once the marker shows, so has every read before it.
      markers += 1;
      const shown = new Promise<void>((resolve) => (markerSeen = resolve));
      await marker.get(`${prefix}:marker:${markers}`);
      await shown;
      const read = [...new Set(seen)];
      seen = [];
      return read;
    },
    stop() {
      socket.destroy();
      marker.disconnect();
    },
  };
}
