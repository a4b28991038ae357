import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  ActionRowBuilder,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import { DiscordFake, type FakeChannel, type FakeGuild } from "./discord-fake/index.ts";

const T = { timeout: 5_000 };

function modal(customId: string, title = "Remix", rows = 1): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(title)
    .addComponents(
      Array.from({ length: rows }, (_, i) =>
        new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder().setCustomId(`field${i}`).setLabel(`Field ${i}`).setStyle(TextInputStyle.Short).setValue(`prefilled ${i}`).setMaxLength(20),
        ),
      ),
    );
}

describe("the Discord fake's modals and message commands", () => {
  let fake: DiscordFake;
  let client: Client;
  let guild: FakeGuild;
  let channel: FakeChannel;
  let userId: string;
  const nextInteraction = () => once(client, Events.InteractionCreate).then(([interaction]) => interaction as Interaction);

  before(async () => {
    fake = await DiscordFake.start({ heartbeatIntervalMs: 400 });
    guild = fake.addGuild({ name: "modals" });
    channel = fake.addChannel(guild.id, { name: "art" });
    userId = fake.addUser({ username: "alice" }).id;
    fake.addMember(guild.id, userId);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    const ready = once(client, Events.ClientReady);
    await client.login(fake.token);
    await ready;
  });
  after(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  /** A message command on someone's message, answered by `answer`. */
  async function openWith(answer: (i: MessageContextMenuCommandInteraction) => Promise<unknown>): Promise<string> {
    const target = fake.addUserMessage({ channelId: channel.id, userId, content: "target" });
    const received = nextInteraction();
    const sent = fake.sendMessageCommand({ guildId: guild.id, channelId: channel.id, userId, name: "Remix", targetMessageId: target.id });
    const interaction = (await received) as MessageContextMenuCommandInteraction;
    assert.equal(interaction.targetId, target.id);
    await answer(interaction);
    return sent.id;
  }

  test("a modal (callback 9) is recorded; its submission is a MODAL_SUBMIT with the custom id and every value", T, async () => {
    const opener = await openWith((i) => i.showModal(modal("remix:42", "Remix", 2)));
    assert.equal(fake.interaction(opener).modal?.custom_id, "remix:42");
    const received = nextInteraction();
    const submitted = fake.submitModal({ interactionId: opener, values: { field1: "changed" } });
    const submit = (await received) as ModalSubmitInteraction;
    assert.ok(submit.isModalSubmit());
    assert.equal(submitted.payload.type, 5);
    assert.equal(submit.customId, "remix:42");
    assert.equal(submit.fields.getTextInputValue("field0"), "prefilled 0");
    assert.equal(submit.fields.getTextInputValue("field1"), "changed");
    await submit.reply({ content: "thanks", flags: 64 });
    // A modal cannot answer a modal's submission.
    const again = nextInteraction();
    fake.submitModal({ interactionId: opener });
    const second = (await again) as ModalSubmitInteraction;
    await assert.rejects(
      client.rest.post(Routes.interactionCallback(second.id, second.token), { body: { type: 9, data: modal("again").toJSON() }, auth: false }),
      (e: unknown) => e instanceof DiscordAPIError && e.code === 50035,
    );
  });

  test("modals outside Discord's limits are refused with 50035 and nothing is recorded", T, async () => {
    const bad: Array<[string, unknown]> = [
      ["a 46-character title", { custom_id: "x", title: "t".repeat(46), components: modal("x").toJSON().components }],
      ["a 101-character custom id", { custom_id: "c".repeat(101), title: "t", components: modal("x").toJSON().components }],
      ["six rows", { ...modal("x", "t", 6).toJSON() }],
      ["no rows", { custom_id: "x", title: "t", components: [] }],
      ["a 4001-character value", { custom_id: "x", title: "t", components: [{ type: 1, components: [{ type: 4, custom_id: "v", label: "v", style: 2, value: "v".repeat(4001) }] }] }],
      ["two inputs in one row", { custom_id: "x", title: "t", components: [{ type: 1, components: [{ type: 4, custom_id: "a", label: "a", style: 1 }, { type: 4, custom_id: "b", label: "b", style: 1 }] }] }],
    ];
    for (const [what, data] of bad) {
      const opener = await openWith((i) =>
        assert.rejects(
          client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 9, data }, auth: false }),
          (e: unknown) => e instanceof DiscordAPIError && e.code === 50035,
          what,
        ),
      );
      assert.equal(fake.interaction(opener).modal, undefined, what);
    }
  });

  test("a submission is checked as the client checks it: unknown inputs and over-long values never leave", T, async () => {
    const opener = await openWith((i) => i.showModal(modal("limits")));
    assert.throws(() => fake.submitModal({ interactionId: opener, values: { nope: "x" } }), /no input "nope"/);
    assert.throws(() => fake.submitModal({ interactionId: opener, values: { field0: "x".repeat(21) } }), /0–20 characters/);
  });
});
