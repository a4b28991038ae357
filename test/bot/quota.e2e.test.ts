import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import type { APIRole } from "discord-api-types/v10";
import {
  blockUser,
  clearRoleQuota,
  lastRequestAt,
  listRoleQuotas,
  quotaDayEnd,
  resetGuildSettings,
  setRoleQuota,
  unblockUser,
} from "../../src/db/index.ts";
import { runCommand, sendTxt2Img, startHarness, subcommandOptions, waitForInteractionResult, type CommandAnswer, type Harness } from "./harness.ts";

const ADMIN = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageGuild;

describe("/quota through a real discord.js client", () => {
  let h: Harness;
  let patrons: APIRole;
  let small: APIRole;
  let medium: APIRole;
  let alice: string;
  let bob: string;
  let carol: string;

  const quota = (userId: string) => runCommand(h, { name: "quota", userId });
  const unixSeconds = (date: Date) => Math.ceil(date.getTime() / 1000);

  before(async () => {
    h = await startHarness();
    [alice, bob, carol] = h.users.map((u) => u.id) as [string, string, string];
    patrons = h.fake.addRole(h.guild.id, { name: "patrons" });
    small = h.fake.addRole(h.guild.id, { name: "small" });
    medium = h.fake.addRole(h.guild.id, { name: "medium" });
  });
  after(() => h.stop());
  beforeEach(async () => {
    const { db } = h.bot.ctx;
    await resetGuildSettings(db, h.guild.id, "test");
    await h.setLimits({ cooldownSeconds: 0, maxQueuedPerUser: 10 });
    for (const q of await listRoleQuotas(db, h.guild.id)) await clearRoleQuota(db, h.guild.id, q.roleId);
    for (const user of h.users) await unblockUser(db, h.guild.id, user.id);
  });

  test("a member who asked for nothing has the whole quota; the reset is the next UTC midnight", async () => {
    const answer = await quota(carol);
    assert.ok(answer.ephemeral, "only the member sees their quota");
    assert.equal(field(answer, "Used today"), "0 images");
    assert.equal(field(answer, "Left today"), "25 of 25");
    const resets = unixSeconds(quotaDayEnd(new Date(), "UTC"));
    assert.equal(field(answer, "Resets"), `<t:${resets}:R> (<t:${resets}:f>)\ndays run on UTC time`);
    assert.equal(field(answer, "Cooldown"), "none");
    assert.equal(field(answer, "Waiting or running"), "0 of at most 10");
  });

  test("after two generations: 2 used, the rest left; the cooldown says when the next request may come", async () => {
    await waitForInteractionResult(h, sendTxt2Img(h, { userId: alice }));
    await waitForInteractionResult(h, sendTxt2Img(h, { userId: alice }));
    const answer = await quota(alice);
    assert.equal(field(answer, "Used today"), "2 images");
    assert.equal(field(answer, "Left today"), "23 of 25");

    await h.setLimits({ cooldownSeconds: 600, maxQueuedPerUser: 3 });
    const last = await lastRequestAt(h.bot.ctx.db, h.guild.id, alice);
    const cooling = await quota(alice);
    assert.equal(field(cooling, "Cooldown"), `600 seconds between requests\nnext request <t:${unixSeconds(new Date(last!.getTime() + 600_000))}:R>`);
    assert.equal(field(cooling, "Waiting or running"), "0 of at most 3");

    const reset = await runCommand(h, {
      name: "limits",
      options: subcommandOptions("user reset-usage", [{ name: "user", type: 6, value: alice }]),
      userId: bob,
      permissions: ADMIN,
    });
    assert.match(reset.content, /Reset today's usage/);
    assert.equal(field(await quota(alice), "Used today"), "0 images", "a usage reset forgives today's images");
  });

  test("a role with an unlimited quota: its members see unlimited and the role that gives it", async () => {
    const given = await runCommand(h, {
      name: "limits",
      options: subcommandOptions("role-quota set", [{ name: "role", type: 8, value: patrons.id }, { name: "limit", type: 3, value: "unlimited" }]),
      userId: carol,
      permissions: ADMIN,
    });
    assert.match(given.content, /unlimited images a day/);
    h.fake.addMember(h.guild.id, bob, { roles: [patrons.id] });
    try {
      const answer = await quota(bob);
      assert.equal(field(answer, "Left today"), `unlimited\nfrom your role <@&${patrons.id}>`);
      assert.equal(field(await quota(carol)), "25 of 25", "members without the role keep the server's limit");
    } finally {
      h.fake.addMember(h.guild.id, bob, {});
    }
  });

  test("with several overriding roles the most generous wins, even below the server's limit", async () => {
    const { db } = h.bot.ctx;
    await setRoleQuota(db, h.guild.id, small.id, 2);
    await setRoleQuota(db, h.guild.id, medium.id, 10);
    h.fake.addMember(h.guild.id, carol, { roles: [small.id, medium.id] });
    try {
      assert.equal(field(await quota(carol), "Left today"), `10 of 10\nfrom your role <@&${medium.id}>`);
    } finally {
      h.fake.addMember(h.guild.id, carol, {});
    }
  });

  test("days follow the server's time zone", async () => {
    await h.setLimits({ timeZone: "Asia/Tokyo" });
    const answer = await quota(carol);
    const resets = unixSeconds(quotaDayEnd(new Date(), "Asia/Tokyo"));
    assert.equal(field(answer, "Resets"), `<t:${resets}:R> (<t:${resets}:f>)\ndays run on Asia/Tokyo time`);
    assert.notEqual(resets, unixSeconds(quotaDayEnd(new Date(), "UTC")));
  });

  test("a blocked member is told so, with the reason", async () => {
    await blockUser(h.bot.ctx.db, h.guild.id, carol, "spam");
    const answer = await quota(carol);
    assert.equal(answer.embeds[0]!.description, "⛔ You've been blocked from requesting images on this server. Reason: spam");
  });
});

function field(answer: CommandAnswer, name = "Left today"): string {
  const found = answer.embeds[0]?.fields?.find((f) => f.name === name);
  assert.ok(found, `the answer has a "${name}" field (content: ${answer.content})`);
  return found.value;
}
