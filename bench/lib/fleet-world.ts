/**
 * The distributed mode as separate processes, for the fleet benches: the Discord fake in its own process serving
 * two shards, a fresh PostgreSQL database (migrated, every server's limits opened wide), a Redis key prefix of its
 * own, bot processes (one shard each) and stand-in GPU workers. Everything is removed by `stop()`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIUser } from "discord-api-types/v10";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createDb, migrateDatabase, updateGuildSettings, type Db } from "../../src/db/index.ts";
import { FLEET_QUEUE_NAME } from "../../src/fleet/fleet-queue.ts";
import { createTestDatabase } from "../../test/db/postgres-test-db.ts";
import { RemoteDiscordFake } from "../../test/discord-fake/remote/remote-fake.ts";
import { startFleetProcess, type FleetProcess } from "./fleet-process.ts";
import { deleteKeys } from "./redis-keys.ts";

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const SHARD_COUNT = 2;

/** A server of the bench and the shard its events reach (Discord's rule: (guild_id >> 22) % shard count). */
export interface BenchGuild {
  id: string;
  channelId: string;
  shard: number;
}

export interface FleetWorld {
  fake: RemoteDiscordFake;
  guilds: BenchGuild[];
  users: APIUser[];
  /** The bench's own connection to the fleet's database (not counted: the counter runs in the fleet's processes). */
  db: Db;
  bots: FleetProcess[];
  workers: FleetProcess[];
  /** Starts `count` more stand-in workers. */
  addWorkers(count: number): Promise<FleetProcess[]>;
  /** Pauses (true) or resumes the fleet's queue for every worker (BullMQ's global pause): jobs wait, none is lost. */
  holdJobs(hold: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetWorldOptions {
  /** Servers per shard (two shards). */
  guildsPerShard: number;
  /** Members, each in every server. */
  members: number;
  workers: number;
}

const shardOf = (guildId: string) => Number((BigInt(guildId) >> 22n) % BigInt(SHARD_COUNT));

/**
 * Starts the fake, the database and the processes: two bot processes (SHARD_COUNT=2, one shard each) and
 * `workers` stand-in workers (bench/lib/fleet-stand-in-worker.ts). Resolves once every bot is logged in and every
 * worker ready.
 */
export async function startFleetWorld(options: FleetWorldOptions): Promise<FleetWorld> {
  const scratch = await mkdtemp(join(tmpdir(), "reroll-fleet-bench-"));
  const prefix = `reroll-bench-${randomUUID().slice(0, 8)}`;
  const database = await createTestDatabase();
  const fake = await RemoteDiscordFake.start({ heartbeatIntervalMs: 5_000 });
  const processes: FleetProcess[] = [];
  let db: Db | undefined;
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await db?.close();
    await fake.stop();
    const redis = new Redis(BENCH_REDIS_URL);
    await deleteKeys(redis, prefix).finally(() => redis.disconnect());
    await database.drop();
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    // Guild ids come from the clock, so a server's shard is chance: add servers until each shard has its share.
    const guilds: BenchGuild[] = [];
    const onShard = (shard: number) => guilds.filter((g) => g.shard === shard).length;
    while ([0, 1].some((shard) => onShard(shard) < options.guildsPerShard)) {
      const guild = await fake.addGuild({ name: `bench server ${guilds.length}` });
      if (onShard(shardOf(guild.id)) >= options.guildsPerShard) continue;
      const channel = await fake.addChannel(guild.id, "art");
      guilds.push({ id: guild.id, channelId: channel.id, shard: shardOf(guild.id) });
    }
    const users: APIUser[] = [];
    for (let i = 0; i < options.members; i++) {
      const user = await fake.addUser({ username: `member${i}` });
      for (const guild of guilds) await fake.addMember(guild.id, user.id);
      users.push(user);
    }

    await migrateDatabase(database.url);
    db = createDb(database.url);
    // Generous limits (as bench/burst.ts): the bench measures the fleet, not refusals.
    for (const guild of guilds) {
      await updateGuildSettings(db, guild.id, { cooldownSeconds: 0, maxQueuedPerUser: 20, dailyImagesPerUser: 10_000 }, "bench");
    }

    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: BENCH_REDIS_URL,
      REDIS_PREFIX: prefix,
      INPUT_STORE_DIR: join(scratch, "inputs"),
      RESULT_STORE_DIR: join(scratch, "results"),
      MODELS_DIR: join(scratch, "models"),
      LOG_LEVEL: "warn",
    };
    const bots = await Promise.all(
      Array.from({ length: SHARD_COUNT }, async (_, shard) => {
        const bot = startFleetProcess(`bot${shard}`, "bench/lib/fleet-bot-process.ts", {
          ...shared,
          DISCORD_TOKEN: fake.token,
          DISCORD_CLIENT_ID: fake.applicationId,
          DISCORD_API_URL: fake.apiUrl,
          SHARD_COUNT: String(SHARD_COUNT),
          SHARDS: String(shard),
        }, scratch);
        processes.push(bot);
        await bot.waitFor((line) => line === "ready", "its login");
        return bot;
      }),
    );
    const workers: FleetProcess[] = [];
    let named = 0;
    const addWorkers = async (count: number) => {
      const started = await Promise.all(
        Array.from({ length: count }, async () => {
          const worker = startFleetProcess(`worker${named++}`, "bench/lib/fleet-stand-in-worker.ts", shared, scratch);
          processes.push(worker);
          await worker.waitFor((line) => line === "ready", "ready");
          return worker;
        }),
      );
      workers.push(...started);
      return started;
    };
    await addWorkers(options.workers);
    const holdJobs = async (hold: boolean) => {
      const connection = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: null });
      const queue = new Queue(FLEET_QUEUE_NAME, { connection, prefix });
      try {
        await (hold ? queue.pause() : queue.resume());
      } finally {
        await queue.close();
        connection.disconnect();
      }
    };
    return { fake, guilds, users, db, bots, workers, addWorkers, holdJobs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
