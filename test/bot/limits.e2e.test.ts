import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import type { APIEmbed, APIRole } from "discord-api-types/v10";
import limitsCommand from "../../src/commands/limits.ts";
import {
  DEFAULT_GUILD_SETTINGS,
  blockUser,
  clearRoleQuota,
  getGuildSettings,
  getMemberState,
  listRoleQuotas,
  resetGuildSettings,
  setRoleQuota,
  unblockUser,
  type GuildLimits,
} from "../../src/db/index.ts";
import { LIMITS_ACTIONS } from "../../src/discord/limits/limits-actions.ts";
import type { FakeCommandOption } from "../discord-fake/index.ts";
import { runCommand, startHarness, subcommandOptions, type CommandAnswer, type Harness } from "./harness.ts";

/** A member who can use commands but has no Manage Server (nor Administrator). */
const PLAIN = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands;
const ADMIN = PLAIN | PermissionFlagsBits.ManageGuild;
const TYPE = { string: 3, integer: 4, boolean: 5, user: 6, channel: 7, role: 8 } as const;

/** Every field the full-settings embed carries, in order. */
const SETTINGS_FIELDS = [
  "Images per member per day",
  "Waiting jobs per member",
  "Cooldown between requests (seconds)",
  "Max steps",
  "Max output side (pixels)",
  "Images per request (grid)",
  "Who may reroll",
  "Spoilers outside age-restricted channels",
  "Time zone",
  "Reactions under results",
  "Live preview while generating",
  "Default model",
  "Images the safety checker flags",
  "Role quotas (images per day)",
  "Bot manager roles",
  "Allowed channels",
  "Blocked words",
];

describe("/limits through a real discord.js client", () => {
  let h: Harness;
  let vip: APIRole;
  let mods: APIRole;
  let alice: string;
  let bob: string;
  let carol: string;

  const limits = (path: string, options: FakeCommandOption[] = [], as: { userId?: string; permissions?: bigint } = {}) =>
    runCommand(h, { name: "limits", options: subcommandOptions(path, options), userId: as.userId ?? alice, permissions: as.permissions ?? ADMIN });
  const settings = () => getGuildSettings(h.bot.ctx.db, h.guild.id);
  const limitsOf = async (): Promise<GuildLimits> => {
    const { guildId: _g, updatedAt: _u, updatedBy: _b, ...rest } = await settings();
    return rest;
  };

  before(async () => {
    h = await startHarness();
    [alice, bob, carol] = h.users.map((u) => u.id) as [string, string, string];
    vip = h.fake.addRole(h.guild.id, { name: "vip" });
    mods = h.fake.addRole(h.guild.id, { name: "mods" });
  });
  after(() => h.stop());
  beforeEach(async () => {
    const { db } = h.bot.ctx;
    await resetGuildSettings(db, h.guild.id, "test");
    for (const quota of await listRoleQuotas(db, h.guild.id)) await clearRoleQuota(db, h.guild.id, quota.roleId);
    for (const user of h.users) await unblockUser(db, h.guild.id, user.id);
  });

  test("is registered for Manage Server, in servers only", () => {
    const data = limitsCommand.data as { default_member_permissions?: string | null; contexts?: number[] };
    assert.equal(data.default_member_permissions, String(PermissionFlagsBits.ManageGuild));
    assert.deepEqual(data.contexts, [0]);
  });

  test("a member without Manage Server is refused every change, and nothing changes", async () => {
    const attempts: Record<string, FakeCommandOption[]> = {
      set: [{ name: "daily_images", type: TYPE.integer, value: 1 }],
      reset: [],
      "channels add": [{ name: "channel", type: TYPE.channel, value: h.channel.id }],
      "channels remove": [{ name: "channel", type: TYPE.channel, value: h.channel.id }],
      "channels clear": [],
      "blocked-words add": [{ name: "words", type: TYPE.string, value: "dog" }],
      "blocked-words remove": [{ name: "words", type: TYPE.string, value: "cat" }],
      "blocked-words clear": [],
      "role-quota set": [{ name: "role", type: TYPE.role, value: mods.id }, { name: "limit", type: TYPE.string, value: "unlimited" }],
      "role-quota clear": [{ name: "role", type: TYPE.role, value: vip.id }],
      "managers add": [{ name: "role", type: TYPE.role, value: mods.id }],
      "managers remove": [{ name: "role", type: TYPE.role, value: vip.id }],
      "user block": [{ name: "user", type: TYPE.user, value: carol }],
      "user unblock": [{ name: "user", type: TYPE.user, value: bob }],
      "user reset-usage": [{ name: "user", type: TYPE.user, value: bob }],
    };
    const changing = [...LIMITS_ACTIONS].filter(([, action]) => action.changes).map(([name]) => name);
    assert.deepEqual(Object.keys(attempts).sort(), changing.sort(), "every changing subcommand is attempted");

    const { db } = h.bot.ctx;
    await h.setLimits({ dailyImagesPerUser: 9, allowedChannelIds: [h.channel.id], blockedWords: ["cat"], managerRoleIds: [vip.id] });
    await setRoleQuota(db, h.guild.id, vip.id, 50);
    await blockUser(db, h.guild.id, bob, "spam");
    const before = { settings: await settings(), quotas: await listRoleQuotas(db, h.guild.id), bob: await getMemberState(db, h.guild.id, bob) };

    for (const [path, options] of Object.entries(attempts)) {
      const answer = await limits(path, options, { userId: carol, permissions: PLAIN });
      assert.ok(answer.ephemeral, `${path}: the refusal is ephemeral`);
      assert.match(answer.content, /Only members with the Manage Server permission or a bot manager role/, path);
      assert.equal(answer.embeds.length, 0, `${path}: no settings are shown with a refusal`);
    }
    assert.deepEqual(await settings(), before.settings);
    assert.deepEqual(await listRoleQuotas(db, h.guild.id), before.quotas);
    assert.deepEqual(await getMemberState(db, h.guild.id, bob), before.bob);
    assert.equal((await getMemberState(db, h.guild.id, carol)).blocked, false);
  });

  test("show is open to members, but only managers see the blocked words", async () => {
    await h.setLimits({ blockedWords: ["cat", "big dog"] });
    const member = await limits("show", [], { userId: carol, permissions: PLAIN });
    assert.ok(member.ephemeral);
    assertFullSettings(member);
    assert.equal(field(member, "Blocked words"), "2 words or phrases (only bot managers can see them)");
    assert.doesNotMatch(JSON.stringify(member.embeds), /cat|big dog/);

    const admin = await limits("show");
    assert.equal(field(admin, "Blocked words"), "||cat, big dog||");
  });

  test("an admin changes each kind of setting, and every answer shows the full settings", async () => {
    const { db } = h.bot.ctx;
    const set = await limits("set", [
      { name: "daily_images", type: TYPE.integer, value: 7 },
      { name: "max_queued", type: TYPE.integer, value: 2 },
      { name: "cooldown_seconds", type: TYPE.integer, value: 30 },
      { name: "max_steps", type: TYPE.integer, value: 40 },
      { name: "max_side", type: TYPE.integer, value: 512 },
      { name: "reroll_by", type: TYPE.string, value: "anyone" },
      { name: "spoiler_outside_nsfw", type: TYPE.boolean, value: true },
      { name: "time_zone", type: TYPE.string, value: "europe/paris" },
    ]);
    assertFullSettings(set);
    assert.equal(set.content, "Changed 8 limits.");
    assert.equal(field(set, "Images per member per day"), "7 (default 25)");
    assert.equal(field(set, "Waiting jobs per member"), "2 (default 3)");
    assert.equal(field(set, "Cooldown between requests (seconds)"), "30 s (default 10 s)");
    assert.equal(field(set, "Max steps"), "40 (default 50)");
    assert.equal(field(set, "Max output side (pixels)"), "512 px (default 768 px)");
    assert.equal(field(set, "Who may reroll"), "anyone (default the requester only)");
    assert.equal(field(set, "Spoilers outside age-restricted channels"), "on (default off)");
    assert.equal(field(set, "Time zone"), "Europe/Paris (default UTC)", "the zone is stored in its canonical spelling");
    assert.match(set.embeds[0]!.description ?? "", new RegExp(`Last changed by <@${alice}> <t:\\d+:R>`));
    assert.deepEqual(
      { ...(await limitsOf()), allowedChannelIds: [], blockedWords: [], managerRoleIds: [] },
      { ...DEFAULT_GUILD_SETTINGS, dailyImagesPerUser: 7, maxQueuedPerUser: 2, cooldownSeconds: 30, maxSteps: 40, maxSide: 512, rerollBy: "anyone", spoilerOutsideNsfw: true, timeZone: "Europe/Paris" },
    );

    const partial = await limits("set", [{ name: "max_steps", type: TYPE.integer, value: 60 }]);
    assert.equal(field(partial, "Max steps"), "60 (default 50)");
    assert.equal(field(partial, "Images per member per day"), "7 (default 25)", "limits not given keep their value");

    const channel = await limits("channels add", [{ name: "channel", type: TYPE.channel, value: h.channel.id }]);
    assertFullSettings(channel);
    assert.match(channel.content, /only in <#\d+>/);
    assert.equal(field(channel, "Allowed channels"), `<#${h.channel.id}>`);
    assert.deepEqual((await settings()).allowedChannelIds, [h.channel.id]);

    const words = await limits("blocked-words add", [{ name: "words", type: TYPE.string, value: "cat, big dog, Cat" }]);
    assertFullSettings(words);
    assert.equal(field(words, "Blocked words"), "||cat, big dog||", "shown in a spoiler, duplicates dropped");
    const fewer = await limits("blocked-words remove", [{ name: "words", type: TYPE.string, value: "CAT" }]);
    assert.equal(field(fewer, "Blocked words"), "||big dog||");
    assert.deepEqual((await settings()).blockedWords, ["big dog"]);

    await limits("role-quota set", [{ name: "role", type: TYPE.role, value: vip.id }, { name: "limit", type: TYPE.string, value: "Unlimited" }]);
    const quota = await limits("role-quota set", [{ name: "role", type: TYPE.role, value: mods.id }, { name: "limit", type: TYPE.string, value: "5" }]);
    assertFullSettings(quota);
    assert.match(field(quota, "Role quotas (images per day)"), new RegExp(`<@&${vip.id}>: unlimited`));
    assert.match(field(quota, "Role quotas (images per day)"), new RegExp(`<@&${mods.id}>: 5`));
    const cleared = await limits("role-quota clear", [{ name: "role", type: TYPE.role, value: mods.id }]);
    assert.equal(field(cleared, "Role quotas (images per day)"), `<@&${vip.id}>: unlimited`);
    assert.deepEqual(await listRoleQuotas(db, h.guild.id), [{ guildId: h.guild.id, roleId: vip.id, dailyLimit: null }]);

    const managers = await limits("managers add", [{ name: "role", type: TYPE.role, value: mods.id }]);
    assertFullSettings(managers);
    assert.equal(field(managers, "Bot manager roles"), `<@&${mods.id}>`);

    const blocked = await limits("user block", [{ name: "user", type: TYPE.user, value: bob }, { name: "reason", type: TYPE.string, value: "spam" }]);
    assertFullSettings(blocked);
    assert.match(blocked.content, new RegExp(`Blocked <@${bob}>.*spam`));
    assert.deepEqual(await getMemberState(db, h.guild.id, bob), { guildId: h.guild.id, userId: bob, blocked: true, blockedReason: "spam", usageResetAt: null });
    await limits("user unblock", [{ name: "user", type: TYPE.user, value: bob }]);
    assert.equal((await getMemberState(db, h.guild.id, bob)).blocked, false);
    const reset = await limits("user reset-usage", [{ name: "user", type: TYPE.user, value: bob }]);
    assertFullSettings(reset);
    assert.ok((await getMemberState(db, h.guild.id, bob)).usageResetAt instanceof Date);

    const removed = await limits("channels remove", [{ name: "channel", type: TYPE.channel, value: h.channel.id }]);
    assert.match(removed.content, /every channel/);
    assert.equal(field(removed, "Allowed channels"), "every channel");
    await limits("blocked-words clear");
    await limits("managers remove", [{ name: "role", type: TYPE.role, value: mods.id }]);
    const final = await settings();
    assert.deepEqual([final.allowedChannelIds, final.blockedWords, final.managerRoleIds], [[], [], []]);
  });

  test("a bot manager role lets a plain member change limits", async () => {
    h.fake.addMember(h.guild.id, carol, { roles: [mods.id] });
    const before = await limits("set", [{ name: "daily_images", type: TYPE.integer, value: 3 }], { userId: carol, permissions: PLAIN });
    assert.match(before.content, /Only members with the Manage Server permission/);

    await limits("managers add", [{ name: "role", type: TYPE.role, value: mods.id }]);
    const allowed = await limits("set", [{ name: "daily_images", type: TYPE.integer, value: 3 }], { userId: carol, permissions: PLAIN });
    assert.equal(field(allowed, "Images per member per day"), "3 (default 25)");
    assert.equal((await settings()).dailyImagesPerUser, 3);
    const shown = await limits("show", [], { userId: carol, permissions: PLAIN });
    assert.doesNotMatch(field(shown, "Blocked words"), /only bot managers/, "managers see the blocked words");

    await limits("managers remove", [{ name: "role", type: TYPE.role, value: mods.id }]);
    const after = await limits("set", [{ name: "daily_images", type: TYPE.integer, value: 4 }], { userId: carol, permissions: PLAIN });
    assert.match(after.content, /Only members with the Manage Server permission/);
    assert.equal((await settings()).dailyImagesPerUser, 3);
    h.fake.addMember(h.guild.id, carol, {});
  });

  test("invalid values are refused with their allowed range, and nothing changes", async () => {
    const { db } = h.bot.ctx;
    await setRoleQuota(db, h.guild.id, vip.id, 8);
    const before = { settings: await settings(), quotas: await listRoleQuotas(db, h.guild.id) };
    const cases: Array<[path: string, options: FakeCommandOption[], expected: RegExp]> = [
      ["set", [{ name: "max_steps", type: TYPE.integer, value: 0 }], /Max steps \(`max_steps`\) must be a whole number from 1 to 150; got 0\./],
      ["set", [{ name: "max_side", type: TYPE.integer, value: 100 }], /\(`max_side`\) must be a multiple of 64 from 256 to 2,048; got 100\./],
      ["set", [{ name: "time_zone", type: TYPE.string, value: "Mars/Olympus" }], /\(`time_zone`\) must be an IANA time zone such as "UTC".*got "Mars\/Olympus"/],
      // One bad value refuses the whole change: the good one is not stored either.
      ["set", [{ name: "daily_images", type: TYPE.integer, value: 5 }, { name: "max_steps", type: TYPE.integer, value: 151 }], /from 1 to 150; got 151/],
      ["set", [], /Name at least one limit/],
      ["role-quota set", [{ name: "role", type: TYPE.role, value: vip.id }, { name: "limit", type: TYPE.string, value: "lots" }], /from 0 to 10,000, or unlimited; got "lots"/],
      ["role-quota set", [{ name: "role", type: TYPE.role, value: vip.id }, { name: "limit", type: TYPE.string, value: "10001" }], /from 0 to 10,000, or unlimited; got 10001/],
      ["role-quota set", [{ name: "role", type: TYPE.role, value: h.guild.id }, { name: "limit", type: TYPE.string, value: "3" }], /`\/limits set daily_images`/],
      ["managers add", [{ name: "role", type: TYPE.role, value: h.guild.id }], /@everyone cannot be a bot manager/],
      ["blocked-words add", [{ name: "words", type: TYPE.string, value: "x".repeat(65) }], /at most 64 characters/],
    ];
    for (const [path, options, expected] of cases) {
      const answer = await limits(path, options);
      assert.ok(answer.ephemeral, path);
      assert.match(answer.content, expected);
    }
    assert.deepEqual(await settings(), before.settings);
    assert.deepEqual(await listRoleQuotas(db, h.guild.id), before.quotas);
  });

  test("/limits reset puts every limit back to its default and keeps role quotas", async () => {
    const { db } = h.bot.ctx;
    await h.setLimits({ dailyImagesPerUser: 2, maxSteps: 20, timeZone: "Asia/Tokyo", blockedWords: ["cat"], allowedChannelIds: [h.channel.id] });
    await setRoleQuota(db, h.guild.id, vip.id, null);
    const answer = await limits("reset");
    assertFullSettings(answer);
    assert.match(answer.content, /back to its default.*Role quotas/);
    assert.deepEqual(await limitsOf(), { ...DEFAULT_GUILD_SETTINGS });
    for (const [name, value] of [["Images per member per day", "25"], ["Max steps", "50"], ["Time zone", "UTC"], ["Allowed channels", "every channel"], ["Blocked words", "none"]]) {
      assert.equal(field(answer, name!), value, name);
    }
    assert.equal(field(answer, "Role quotas (images per day)"), `<@&${vip.id}>: unlimited`);
  });
});

function assertFullSettings(answer: CommandAnswer): void {
  assert.ok(answer.ephemeral, "settings are answered ephemerally");
  assert.equal(answer.embeds.length, 1);
  assert.deepEqual(
    answer.embeds[0]!.fields?.map((f) => f.name),
    SETTINGS_FIELDS,
  );
}

function field(answer: CommandAnswer, name: string): string {
  const found = (answer.embeds[0] as APIEmbed | undefined)?.fields?.find((f) => f.name === name);
  assert.ok(found, `the answer has a "${name}" field (content: ${answer.content})`);
  return found.value;
}
