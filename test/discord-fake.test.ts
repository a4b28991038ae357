import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  AttachmentBuilder,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  Partials,
  PermissionFlagsBits,
  REST,
  Routes,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from "discord.js";
import { DEFAULT_BOT_PERMISSIONS, DiscordFake, Permission, type FakeChannel, type FakeGuild, type MultipartBody } from "./discord-fake/index.ts";

// A 1×1 PNG, so the fake can read its size and tests can compare bytes.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201e2a3e1a70000000049454e44ae426082",
  "hex",
);

/** Each test gets a deadline so a missing event fails instead of hanging the run. */
const T = { timeout: 5_000 };

type ReactionEvent = [MessageReaction | PartialMessageReaction, User | PartialUser];

describe("DiscordFake with a real discord.js client", () => {
  let fake: DiscordFake;
  let client: Client;
  let guild: FakeGuild;
  let channel: FakeChannel;
  let userId: string;

  /** The next interaction the client emits, so a test can drive it with discord.js' own methods. */
  const nextInteraction = () => once(client, Events.InteractionCreate).then(([interaction]) => interaction as Interaction);
  const nextReactionAdd = (pred: (user: User | PartialUser) => boolean) =>
    new Promise<ReactionEvent>((resolve) => {
      const listener = (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser) => {
        if (!pred(user)) return;
        client.off(Events.MessageReactionAdd, listener);
        resolve([reaction, user]);
      };
      client.on(Events.MessageReactionAdd, listener);
    });

  before(async () => {
    fake = await DiscordFake.start({ heartbeatIntervalMs: 400 });
    guild = fake.addGuild({ name: "Reroll test" });
    channel = fake.addChannel(guild.id, { name: "art", nsfw: true });
    userId = fake.addUser({ username: "alice" }).id;
    fake.addMember(guild.id, userId);
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
      partials: [Partials.Message, Partials.Reaction, Partials.User],
      rest: { api: fake.apiUrl },
    });
    const ready = once(client, Events.ClientReady);
    await client.login(fake.token);
    await ready;
  });

  after(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  test("logs in: READY then GUILD_CREATE puts the guild and its channels in the cache", T, () => {
    assert.equal(client.user?.id, fake.botUser.id);
    assert.equal(client.application?.id, fake.applicationId);
    const cached = client.guilds.cache.get(guild.id);
    assert.equal(cached?.name, "Reroll test");
    const cachedChannel = cached?.channels.cache.get(channel.id);
    assert.ok(cachedChannel?.isTextBased());
    assert.equal("nsfw" in cachedChannel && cachedChannel.nsfw, true);
    assert.equal(fake.identifyCount, 1);
    assert.ok(fake.calls.some((c) => c.method === "GET" && c.route === "/gateway/bot" && c.status === 200));
  });

  test("slash command with an attachment: deferReply, editReply with a file, followUp", T, async () => {
    const attachment = fake.addAttachment(PNG, { filename: "in.png" });
    const received = nextInteraction();
    const sent = fake.sendSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId,
      name: "reroll",
      options: [
        { name: "image", type: 11, value: attachment.id },
        { name: "prompt", type: 3, value: "a cat" },
      ],
      attachments: [attachment],
      locale: "fr",
    });
    const interaction = (await received) as ChatInputCommandInteraction;
    assert.ok(interaction.isChatInputCommand());
    assert.equal(interaction.id, sent.id);
    assert.equal(interaction.channelId, channel.id);
    assert.equal(interaction.locale, "fr");
    assert.equal(interaction.attachmentSizeLimit, 10 * 1024 * 1024);
    assert.equal(interaction.options.getString("prompt"), "a cat");
    const option = interaction.options.getAttachment("image", true);
    assert.equal(option.width, 1);
    const download = await fetch(option.url);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);

    await interaction.deferReply({ flags: 64 });
    assert.equal(fake.interaction(sent.id).deferred, true);
    assert.equal(fake.interaction(sent.id).ephemeral, true);
    assert.equal(((fake.interaction(sent.id).reply?.flags ?? 0) & 128) !== 0, true, "a deferred reply is a loading message");

    const output = Buffer.concat([PNG, Buffer.from("out")]);
    const edited = await interaction.editReply({ content: "done", files: [new AttachmentBuilder(output, { name: "out.png" })] });
    assert.equal(edited.content, "done");
    const patch = await fake.waitForCall((c) => c.method === "PATCH" && c.route === `/webhooks/${fake.applicationId}/${sent.token}/messages/@original`);
    assert.equal(patch.path.endsWith("/messages/%40original"), true);
    assert.equal(patch.headers.authorization, undefined, "webhook calls carry no bot token");
    const body = patch.body as MultipartBody;
    assert.equal(body.files[0]!.name, "files[0]");
    assert.equal(body.files[0]!.filename, "out.png");
    assert.deepEqual(body.files[0]!.data, output);
    assert.equal((body.payload_json as { content: string }).content, "done");
    const reply = fake.interaction(sent.id).reply;
    assert.equal(reply?.content, "done");
    assert.equal((reply?.flags ?? 0) & 128, 0, "editing clears the loading flag");
    assert.deepEqual(fake.attachmentBytes(reply!.attachments[0]!.url), output);
    assert.equal(reply?.interaction_metadata?.id, sent.id);

    await interaction.followUp({ content: "more" });
    assert.deepEqual(fake.interaction(sent.id).followups.map((m) => m.content), ["more"]);
  });

  test("channel.send, message.react, and the bot's own reaction event", T, async () => {
    const textChannel = client.channels.cache.get(channel.id);
    assert.ok(textChannel?.isSendable());
    const message = await textChannel.send({ content: "hello", files: [new AttachmentBuilder(PNG, { name: "a.png" })] });
    assert.equal(fake.message(message.id)?.attachments[0]?.filename, "a.png");
    const seen: string[] = [];
    const onRaw = (packet: { t?: string }) => seen.push(packet.t ?? "");
    client.on(Events.Raw, onRaw);
    const event = nextReactionAdd((user) => user.id === fake.botUser.id);
    await message.react("🔁");
    const put = await fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith("/reactions/🔁/@me"));
    assert.equal(put.status, 204);
    const [reaction] = await event;
    assert.equal(reaction.emoji.name, "🔁");
    assert.equal(reaction.message.id, message.id);
    assert.deepEqual([...(fake.reactions(message.id).get("🔁") ?? [])], [fake.botUser.id]);
    client.off(Events.Raw, onRaw);
    // Without the GuildMessages intent Discord sends no MESSAGE_CREATE; the reaction intent is there.
    assert.ok(seen.includes("MESSAGE_REACTION_ADD"));
    assert.ok(!seen.includes("MESSAGE_CREATE"));
  });

  test("removing another user's reaction needs Manage Messages (403 50013)", T, async () => {
    const textChannel = client.channels.cache.get(channel.id);
    assert.ok(textChannel?.isSendable());
    const message = await textChannel.send("vote");
    fake.addReaction({ guildId: guild.id, channelId: channel.id, messageId: message.id, userId, emoji: "👍" });
    await assert.rejects(
      client.rest.delete(Routes.channelMessageUserReaction(channel.id, message.id, encodeURIComponent("👍"), userId)),
      (error: unknown) => error instanceof DiscordAPIError && error.code === 50013 && error.status === 403,
    );
    const cachedChannel = client.channels.cache.get(channel.id);
    assert.ok(cachedChannel && "permissionsFor" in cachedChannel);
    // discord.js' own permission maths must agree with what the fake enforces.
    assert.equal(cachedChannel.permissionsFor(fake.botUser.id)?.has(PermissionFlagsBits.ManageMessages), false);
    const updated = once(client, Events.ChannelUpdate);
    fake.setBotPermissions(guild.id, channel.id, DEFAULT_BOT_PERMISSIONS | Permission.ManageMessages);
    await updated;
    assert.equal(cachedChannel.permissionsFor(fake.botUser.id)?.has(PermissionFlagsBits.ManageMessages), true);
    const removed = once(client, Events.MessageReactionRemove);
    await client.rest.delete(Routes.channelMessageUserReaction(channel.id, message.id, encodeURIComponent("👍"), userId));
    assert.equal(fake.reactions(message.id).get("👍"), undefined);
    const [removedReaction, removedBy] = (await removed) as ReactionEvent;
    assert.equal(removedReaction.emoji.name, "👍");
    assert.equal(removedBy.id, userId);
    fake.setBotPermissions(guild.id, channel.id, DEFAULT_BOT_PERMISSIONS);
  });

  test("a reaction on an uncached message arrives partial and reaction.fetch() works", T, async () => {
    const stranger = fake.addUserMessage({ channelId: channel.id, userId, content: "an old message" });
    const event = nextReactionAdd((user) => user.id === userId);
    fake.addReaction({ guildId: guild.id, channelId: channel.id, messageId: stranger.id, userId, emoji: "🔁" });
    const [reaction] = await event;
    assert.equal(reaction.partial, true);
    assert.equal(reaction.message.partial, true);
    const full = await reaction.fetch();
    assert.equal(full.count, 1);
    assert.equal(full.message.content, "an old message");
    assert.ok(fake.calls.some((c) => c.method === "GET" && c.route === `/channels/${channel.id}/messages/${stranger.id}`));
  });

  test("a 429 once is retried after retry_after and then succeeds", T, async () => {
    fake.failNext({ method: "POST", route: /^\/channels\/\d+\/messages$/ }, 429, { retryAfterSeconds: 0.05 });
    const textChannel = client.channels.cache.get(channel.id);
    assert.ok(textChannel?.isSendable());
    const before = fake.calls.length;
    const message = await textChannel.send("after a rate limit");
    const posts = fake.calls.slice(before).filter((c) => c.method === "POST" && c.route === `/channels/${channel.id}/messages`);
    assert.deepEqual(posts.map((c) => c.status), [429, 200]);
    assert.equal(fake.message(message.id)?.content, "after a rate limit");
  });

  test("a 500 once is retried and then succeeds", T, async () => {
    fake.failNext({ method: "GET", route: /^\/channels\/\d+\/messages\/\d+$/ }, 500);
    const [first] = fake.messages(channel.id);
    assert.ok(first, "a message to fetch");
    const before = fake.calls.length;
    const fetched = await client.rest.get(Routes.channelMessage(channel.id, first.id));
    assert.equal((fetched as { id: string }).id, first.id);
    assert.deepEqual(fake.calls.slice(before).map((c) => c.status), [500, 200]);
  });

  test("an expired interaction token gives DiscordAPIError 50027", T, async () => {
    const received = nextInteraction();
    const sent = fake.sendSlashCommand({ guildId: guild.id, channelId: channel.id, userId, name: "ping" });
    const interaction = (await received) as ChatInputCommandInteraction;
    await interaction.deferReply();
    fake.expireInteractionToken(sent.token);
    await assert.rejects(
      interaction.editReply("too late"),
      (error: unknown) => error instanceof DiscordAPIError && error.code === 50027 && error.status === 401,
    );
    assert.equal(fake.interaction(sent.id).expired, true);
  });

  test("a file over the interaction's attachment_size_limit is refused with 413 40005", T, async () => {
    const received = nextInteraction();
    const sent = fake.sendSlashCommand({ guildId: guild.id, channelId: channel.id, userId, name: "big", attachmentSizeLimit: 1024 });
    const interaction = (await received) as ChatInputCommandInteraction;
    assert.equal(interaction.attachmentSizeLimit, 1024);
    await interaction.deferReply();
    await assert.rejects(
      interaction.editReply({ files: [new AttachmentBuilder(Buffer.alloc(1025), { name: "big.png" })] }),
      (error: unknown) => error instanceof DiscordAPIError && error.code === 40005 && error.status === 413,
    );
    await interaction.editReply({ files: [new AttachmentBuilder(Buffer.alloc(1024), { name: "ok.png" })] });
    assert.equal(fake.interaction(sent.id).reply?.attachments[0]?.size, 1024);
  });

  test("a second callback is refused with 40060", T, async () => {
    const received = nextInteraction();
    fake.sendSlashCommand({ guildId: guild.id, channelId: channel.id, userId, name: "ping" });
    const interaction = (await received) as ChatInputCommandInteraction;
    await interaction.reply({ content: "pong", withResponse: true });
    await assert.rejects(
      client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 5 }, auth: false }),
      (error: unknown) => error instanceof DiscordAPIError && error.code === 40060,
    );
  });

  test("a message context-menu command carries its target in resolved.messages", T, async () => {
    const target = fake.messages(channel.id)[0];
    assert.ok(target, "a message to target");
    const received = nextInteraction();
    fake.sendMessageCommand({ guildId: guild.id, channelId: channel.id, userId, name: "Reroll this", targetMessageId: target.id });
    const interaction = (await received) as MessageContextMenuCommandInteraction;
    assert.ok(interaction.isMessageContextMenuCommand());
    assert.equal(interaction.targetMessage.id, target.id);
    await interaction.reply({ content: "ok", flags: 64 });
  });

  test("dropGateway: the client resumes, missed events are replayed, new ones still arrive", T, async () => {
    const resumed = once(client, Events.ShardResume);
    const target = fake.messages(channel.id).at(-1)!;
    const missed = nextReactionAdd((user) => user.id === userId);
    fake.dropGateway();
    // Dispatched while the client is away: RESUME must replay it.
    fake.addReaction({ guildId: guild.id, channelId: channel.id, messageId: target.id, userId, emoji: "⭐" });
    await resumed;
    const [reaction] = await missed;
    assert.equal(reaction.emoji.name, "⭐");
    assert.equal(fake.resumeCount, 1);
    assert.equal(fake.identifyCount, 1);
    const received = nextInteraction();
    const sent = fake.sendSlashCommand({ guildId: guild.id, channelId: channel.id, userId, name: "after-resume" });
    assert.equal((await received).id, sent.id);
  });

  test("unknown routes are 404 and recorded; missing bot token is 401", T, async () => {
    await assert.rejects(client.rest.get("/nothing/here"), (error: unknown) => error instanceof DiscordAPIError && error.status === 404);
    assert.ok(fake.calls.some((c) => c.route === "/nothing/here" && c.status === 404));
    const anonymous = new REST({ version: "10", api: fake.apiUrl });
    await assert.rejects(anonymous.get(Routes.user("@me"), { auth: false }), (error: unknown) => error instanceof DiscordAPIError && error.status === 401);
  });
});

test("a standalone REST client registers guild commands with PUT", T, async (t) => {
  const fake = await DiscordFake.start();
  t.after(() => fake.stop());
  const guild = fake.addGuild();
  const rest = new REST({ version: "10", api: fake.apiUrl }).setToken(fake.token);
  const commands = [{ name: "reroll", description: "Run img2img", default_member_permissions: String(1 << 5) }];
  const saved = (await rest.put(Routes.applicationGuildCommands(fake.applicationId, guild.id), { body: commands })) as Array<{ id: string; name: string }>;
  assert.equal(saved.length, 1);
  assert.equal(saved[0]!.name, "reroll");
  const call = await fake.waitForCall((c) => c.method === "PUT" && c.route === `/applications/${fake.applicationId}/guilds/${guild.id}/commands`);
  assert.equal(call.headers.authorization, `Bot ${fake.token}`);
  assert.deepEqual(call.body, commands);
  const listed = (await rest.get(Routes.applicationGuildCommands(fake.applicationId, guild.id))) as Array<{ id: string }>;
  assert.deepEqual(listed.map((c) => c.id), [saved[0]!.id]);
  await assert.rejects(
    rest.put(Routes.applicationGuildCommands(fake.applicationId, guild.id), { body: [{ name: "Bad Name", description: "x" }] }),
    (error: unknown) => error instanceof DiscordAPIError && error.code === 50035,
  );
});

test("a callback after the acknowledgement deadline gets 404 10062", T, async (t) => {
  const fake = await DiscordFake.start({ ackDeadlineMs: 20 });
  t.after(() => fake.stop());
  const guild = fake.addGuild();
  const channel = fake.addChannel(guild.id);
  const sent = fake.sendSlashCommand({ guildId: guild.id, channelId: channel.id, userId: guild.ownerId, name: "slow" });
  await new Promise((resolve) => setTimeout(resolve, 60));
  const rest = new REST({ version: "10", api: fake.apiUrl });
  await assert.rejects(
    rest.post(Routes.interactionCallback(sent.id, sent.token), { body: { type: 5 }, auth: false }),
    (error: unknown) => error instanceof DiscordAPIError && error.code === 10062 && error.status === 404,
  );
  assert.equal(fake.interaction(sent.id).acknowledged, false);
});
