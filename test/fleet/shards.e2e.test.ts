import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Events } from "discord.js";
import { startBot, type Bot } from "../../src/app.ts";
import { createLogger } from "../../src/logger.ts";
import { sendTxt2Img, startHarness, waitForOutcome, type Harness } from "../bot/harness.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { publishStandIn } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# shards: ${skip}`);

/** Discord's rule, which the fake follows: a guild's events go to shard (guild_id >> 22) % count. */
const shardOf = (guildId: string, count: number) => Number((BigInt(guildId) >> 22n) % BigInt(count));

describe("SHARD_COUNT=2: two bot processes, one shard each", { skip }, () => {
  let h: Harness;
  let env: ReturnType<typeof testPrefix>;
  const bots: Bot[] = [];
  before(async () => {
    env = testPrefix();
    h = await startHarness({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: env.prefix } });
    await h.bot.stop(); // the harness's unsharded bot steps aside
    await publishStandIn(h.config); // the bots take commands; no worker runs in this test
  });
  after(async () => {
    for (const bot of bots) await bot.stop();
    await h.fake.stop();
    await env.cleanup();
  });

  test("each process gets its own shard's guilds and only their commands", async () => {
    // Guild ids come from the clock: add servers until both shards have one.
    const guilds = [h.guild];
    while (new Set(guilds.map((g) => shardOf(g.id, 2))).size < 2) {
      const guild = h.fake.addGuild({ name: `server ${guilds.length}` });
      h.fake.addChannel(guild.id, { name: "art" });
      for (const user of h.users) h.fake.addMember(guild.id, user.id);
      guilds.push(guild);
    }
    const onShard = (shard: number) => guilds.filter((g) => shardOf(g.id, 2) === shard).map((g) => g.id).sort();
    const received: string[][] = [[], []];
    for (const shard of [0, 1]) {
      const bot = await startBot({
        config: { ...h.config, sharding: { shards: [shard], shardCount: 2 } },
        logger: createLogger("silent"),
      });
      bots.push(bot);
      bot.ctx.client.on(Events.InteractionCreate, (interaction) => received[shard]!.push(interaction.guildId ?? ""));
      assert.deepEqual([...bot.ctx.client.guilds.cache.keys()].sort(), onShard(shard), `shard ${shard}'s guilds`);
    }
    // A command in the harness's server reaches the process of its shard only, which answers it.
    const interaction = sendTxt2Img(h, { prompt: "sharded" });
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "answered");
    const home = shardOf(h.guild.id, 2);
    assert.deepEqual(received[home], [h.guild.id]);
    assert.deepEqual(received[1 - home], []);
  });
});
