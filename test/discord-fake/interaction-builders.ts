import { randomBytes } from "node:crypto";
import type { APIAttachment, APIInteraction } from "discord-api-types/v10";
import { toApiChannel, toApiMember, toApiMessage } from "./api-objects.ts";
import type { FakeContext } from "./fake-context.ts";
import { DEFAULT_FILE_SIZE_LIMIT } from "./message-factory.ts";
import { nextSnowflake } from "./snowflake.ts";
import type { InteractionRecord } from "./state-store.ts";
import type { FakeCommandOption } from "./types.ts";

/** A slash command as a user would run it. */
export interface SlashCommandInput {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  options?: FakeCommandOption[];
  /** Attachments for ATTACHMENT options (type 11, `value` = attachment id); see `DiscordFake#addAttachment`. */
  attachments?: APIAttachment[];
  /** The user's client locale. @default "en-US" */
  locale?: string;
  /** The member's permissions in the channel; defaults to what the store computes for the member. */
  permissions?: bigint;
  /** `attachment_size_limit` in bytes. @default 10 MiB */
  attachmentSizeLimit?: number;
}

/** A message context-menu command used on `targetMessageId`. */
export interface MessageCommandInput {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  targetMessageId: string;
  locale?: string;
  permissions?: bigint;
  attachmentSizeLimit?: number;
}

const OptionType = { User: 6, Channel: 7, Role: 8, Mentionable: 9, Attachment: 11 } as const;

/** Command ids for names nobody registered, stable per name so repeated runs look like the same command. */
const unregisteredCommandIds = new Map<string, string>();

/** Builds an INTERACTION_CREATE payload for a chat-input command, with the record the fake tracks it by. */
export function buildSlashCommand(ctx: FakeContext, input: SlashCommandInput): { record: InteractionRecord; payload: APIInteraction } {
  const resolved: Record<string, Record<string, unknown>> = {};
  for (const option of input.options ?? []) resolveOption(ctx, input, option, resolved);
  const data = {
    id: commandId(ctx, input.guildId, input.name, 1),
    name: input.name,
    type: 1,
    guild_id: input.guildId,
    ...(input.options ? { options: input.options } : {}),
    ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
  };
  return buildCommon(ctx, { ...input, commandType: 1, targetMessageId: undefined }, data);
}

/** Builds an INTERACTION_CREATE payload for a message context-menu command (`data.type` 3). */
export function buildMessageCommand(ctx: FakeContext, input: MessageCommandInput): { record: InteractionRecord; payload: APIInteraction } {
  const target = ctx.state.messages.get(input.targetMessageId);
  if (!target) throw new Error(`Unknown target message ${input.targetMessageId}`);
  const data = {
    id: commandId(ctx, input.guildId, input.name, 3),
    name: input.name,
    type: 3,
    guild_id: input.guildId,
    target_id: input.targetMessageId,
    resolved: { messages: { [input.targetMessageId]: toApiMessage(ctx.state, target) } },
  };
  return buildCommon(ctx, { ...input, commandType: 3 }, data);
}

/**
 * Builds the MODAL_SUBMIT interaction (type 5) for the modal `opener` was answered with: same place and user, a new
 * id and token, `data` = { custom_id, components } with the user's values (see modalSubmission).
 */
export function buildModalSubmit(ctx: FakeContext, opener: InteractionRecord, data: Record<string, unknown>): { record: InteractionRecord; payload: APIInteraction } {
  const built = buildCommon(
    ctx,
    { guildId: opener.guildId, channelId: opener.channelId, userId: opener.userId, name: String(data.custom_id), commandType: 0, targetMessageId: undefined, attachmentSizeLimit: opener.attachmentSizeLimit },
    data,
  );
  built.record.interactionType = 5;
  return { record: built.record, payload: { ...built.payload, type: 5 } as APIInteraction };
}

interface CommonInput {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  commandType: number;
  targetMessageId: string | undefined;
  locale?: string;
  permissions?: bigint;
  attachmentSizeLimit?: number;
}

function buildCommon(ctx: FakeContext, input: CommonInput, data: Record<string, unknown>): { record: InteractionRecord; payload: APIInteraction } {
  const { state } = ctx;
  const guild = state.requireGuild(input.guildId);
  const channel = state.requireChannel(input.channelId);
  if (channel.guildId !== guild.id) throw new Error(`Channel ${channel.id} is not in guild ${guild.id}`);
  if (!guild.members.has(input.userId)) state.addMember(guild.id, input.userId, {});
  const permissions = (input.permissions ?? state.memberPermissions(guild.id, input.userId)).toString();
  const record: InteractionRecord = {
    id: nextSnowflake(),
    // Real tokens are long opaque strings; URL-safe characters keep them unescaped in routes, as Discord's are.
    token: `aW50ZXJhY3Rpb246${randomBytes(48).toString("base64url")}`,
    guildId: guild.id,
    channelId: channel.id,
    userId: input.userId,
    commandName: input.name,
    commandType: input.commandType,
    targetMessageId: input.targetMessageId,
    createdAt: Date.now(),
    attachmentSizeLimit: input.attachmentSizeLimit ?? DEFAULT_FILE_SIZE_LIMIT,
    callbackType: undefined,
    flags: 0,
    originalMessageId: undefined,
    followupIds: [],
    edits: [],
    expired: false,
  };
  const payload = {
    id: record.id,
    application_id: ctx.applicationId,
    type: 2,
    token: record.token,
    version: 1,
    data,
    guild: { id: guild.id, locale: "en-US", features: [] },
    guild_id: guild.id,
    guild_locale: "en-US",
    channel: { ...toApiChannel(state, channel), permissions },
    channel_id: channel.id,
    member: { ...toApiMember(state, guild, input.userId), permissions },
    app_permissions: state.botChannelPermissions(channel.id).toString(),
    locale: input.locale ?? "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": guild.id },
    context: 0,
    attachment_size_limit: record.attachmentSizeLimit,
  } as unknown as APIInteraction;
  return { record, payload };
}

/** The registered command's id (guild commands first, then global), or a stable made-up one. */
function commandId(ctx: FakeContext, guildId: string, name: string, type: number): string {
  for (const scope of [guildId, "global"]) {
    const found = ctx.state.commands.get(scope)?.find((c) => c.name === name && (c.type ?? 1) === type);
    if (found) return found.id;
  }
  const key = `${type}:${name}`;
  if (!unregisteredCommandIds.has(key)) unregisteredCommandIds.set(key, nextSnowflake());
  return unregisteredCommandIds.get(key)!;
}

/** Fills `data.resolved` for options that reference users, members, channels, roles or attachments. */
function resolveOption(ctx: FakeContext, input: SlashCommandInput, option: FakeCommandOption, resolved: Record<string, Record<string, unknown>>): void {
  for (const child of option.options ?? []) resolveOption(ctx, input, child, resolved);
  if (option.value === undefined) return;
  const id = String(option.value);
  const put = (kind: string, value: unknown) => ((resolved[kind] ??= {})[id] = value);
  const guild = ctx.state.requireGuild(input.guildId);
  switch (option.type) {
    case OptionType.Attachment: {
      const attachment = input.attachments?.find((a) => a.id === id);
      if (!attachment) throw new Error(`Attachment option "${option.name}" names ${id}, which is not in opts.attachments`);
      put("attachments", attachment);
      return;
    }
    case OptionType.User:
    case OptionType.Mentionable: {
      const user = ctx.state.users.get(id);
      if (user) {
        put("users", user);
        if (guild.members.has(id)) {
          const { user: _user, ...member } = toApiMember(ctx.state, guild, id);
          put("members", { ...member, permissions: ctx.state.memberPermissions(guild.id, id).toString() });
        }
        return;
      }
      if (option.type === OptionType.User) throw new Error(`User option "${option.name}" names unknown user ${id}`);
      const role = guild.roles.get(id);
      if (role) put("roles", role);
      return;
    }
    case OptionType.Role: {
      const role = guild.roles.get(id);
      if (!role) throw new Error(`Role option "${option.name}" names unknown role ${id}`);
      put("roles", role);
      return;
    }
    case OptionType.Channel: {
      const channel = ctx.state.channels.get(id);
      if (!channel) throw new Error(`Channel option "${option.name}" names unknown channel ${id}`);
      const { id: channelId, name, type, nsfw, parent_id } = toApiChannel(ctx.state, channel) as unknown as Record<string, unknown>;
      put("channels", { id: channelId, name, type, nsfw, parent_id, permissions: ctx.state.memberPermissions(guild.id, input.userId).toString() });
      return;
    }
  }
}
