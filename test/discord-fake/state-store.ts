import type { APIModalInteractionResponseCallbackData } from "discord-api-types/v10";
import type { APIApplicationCommand, APIMessage, APIPartialEmoji, APIRole, APIUser, RoleFlags, UserFlags } from "discord-api-types/v10";
import { nextSnowflake } from "./snowflake.ts";
import { ALL_PERMISSIONS, DEFAULT_BOT_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS, Permission, expandAdministrator } from "./permissions.ts";

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  joinedAt: string;
  roles: Map<string, APIRole>;
  /** The managed role Discord gives a bot when it joins; it carries the bot's guild-wide permissions. */
  botRoleId: string;
  channelIds: string[];
  members: Map<string, MemberRecord>;
}

export interface ChannelRecord {
  id: string;
  guildId: string;
  name: string;
  type: number;
  nsfw: boolean;
  position: number;
  /** The bot's exact permissions in this channel (a member overwrite), when a test set them. */
  botPermissions: bigint | undefined;
  lastMessageId: string | null;
}

export interface MemberRecord {
  userId: string;
  roles: string[];
  /** Explicit permissions from the test; otherwise computed from roles. */
  permissions: bigint | undefined;
  joinedAt: string;
}

export interface ReactionRecord {
  emoji: APIPartialEmoji;
  userIds: Set<string>;
}

export interface MessageRecord {
  message: APIMessage;
  guildId: string;
  /** Ephemeral messages belong to one user: they are not in channel history and the bot token cannot see them. */
  ephemeral: boolean;
  /** Keyed by {@link emojiKey}. */
  reactions: Map<string, ReactionRecord>;
}

export interface InteractionRecord {
  id: string;
  token: string;
  guildId: string;
  channelId: string;
  userId: string;
  commandName: string;
  /** 1 chat input, 3 message context menu. */
  commandType: number;
  /** The message a message context-menu command was used on. */
  targetMessageId: string | undefined;
  createdAt: number;
  attachmentSizeLimit: number;
  callbackType: number | undefined;
  flags: number;
  originalMessageId: string | undefined;
  followupIds: string[];
  edits: Array<{ messageId: string; body: unknown; at: number }>;
  expired: boolean;
  /** The interaction's type: 2 application command (the default), 4 autocomplete, 5 modal submit. */
  interactionType?: number;
  /** The modal the bot answered with (callback type 9), checked as Discord checks it; the user may submit it. */
  modal?: APIModalInteractionResponseCallbackData;
}

export interface StoredFile {
  data: Buffer;
  contentType: string;
}

/** The key a reaction is stored under: the unicode emoji itself, or `name:id` for a custom emoji. */
export function emojiKey(emoji: APIPartialEmoji): string {
  return emoji.id ? `${emoji.name ?? ""}:${emoji.id}` : (emoji.name ?? "");
}

/** Parses the emoji of a reaction route or test call: `🔁`, `name:id` or `a:name:id`. */
export function parseEmoji(text: string): APIPartialEmoji {
  const custom = /^(a:)?([^:]*):(\d+)$/.exec(text);
  if (custom) return { id: custom[3] ?? null, name: custom[2] ?? null, animated: Boolean(custom[1]) };
  return { id: null, name: text };
}

/** The fake's in-memory world: guilds, channels, users, members, messages, reactions, commands, interactions. */
export class StateStore {
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  readonly channelMessageIds = new Map<string, string[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  /** Application commands by scope: `"global"` or a guild id. */
  readonly commands = new Map<string, APIApplicationCommand[]>();
  /** Bytes served by the fake CDN, keyed by URL path. */
  readonly files = new Map<string, StoredFile>();
  /** Bot permissions per guild (the managed bot role's permissions). */
  readonly botGuildPermissions = new Map<string, bigint>();

  constructor(readonly botUser: APIUser) {
    this.users.set(botUser.id, botUser);
  }

  addUser(opts: { username?: string; bot?: boolean } = {}): APIUser {
    const id = nextSnowflake();
    const username = opts.username ?? `user${this.users.size}`;
    const user: APIUser = {
      id,
      username,
      discriminator: "0",
      global_name: username,
      avatar: null,
      bot: opts.bot ?? false,
      system: false,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    this.users.set(id, user);
    return user;
  }

  addGuild(opts: { name?: string; ownerId?: string } = {}): GuildRecord {
    const id = nextSnowflake();
    const ownerId = opts.ownerId ?? this.addUser({ username: "owner" }).id;
    const guild: GuildRecord = {
      id,
      name: opts.name ?? `Guild ${this.guilds.size + 1}`,
      ownerId,
      joinedAt: new Date().toISOString(),
      roles: new Map(),
      botRoleId: nextSnowflake(),
      channelIds: [],
      members: new Map(),
    };
    // @everyone shares the guild's id; the fake grants nothing through it so that role and overwrite
    // permissions are exactly what tests set.
    guild.roles.set(id, makeRole(id, "@everyone", 0n, 0));
    guild.roles.set(guild.botRoleId, { ...makeRole(guild.botRoleId, this.botUser.username, DEFAULT_BOT_PERMISSIONS, 1), managed: true, tags: { bot_id: this.botUser.id } });
    this.guilds.set(id, guild);
    this.botGuildPermissions.set(id, DEFAULT_BOT_PERMISSIONS);
    this.addMember(id, ownerId, {});
    this.addMember(id, this.botUser.id, { roles: [guild.botRoleId] });
    return guild;
  }

  addChannel(guildId: string, opts: { name?: string; nsfw?: boolean; type?: number } = {}): ChannelRecord {
    const guild = this.requireGuild(guildId);
    const channel: ChannelRecord = {
      id: nextSnowflake(),
      guildId,
      name: opts.name ?? `channel-${guild.channelIds.length + 1}`,
      type: opts.type ?? 0,
      nsfw: opts.nsfw ?? false,
      position: guild.channelIds.length,
      botPermissions: undefined,
      lastMessageId: null,
    };
    guild.channelIds.push(channel.id);
    this.channels.set(channel.id, channel);
    this.channelMessageIds.set(channel.id, []);
    return channel;
  }

  addRole(guildId: string, opts: { name?: string; permissions?: bigint } = {}): APIRole {
    const guild = this.requireGuild(guildId);
    const role = makeRole(nextSnowflake(), opts.name ?? `role-${guild.roles.size}`, opts.permissions ?? 0n, guild.roles.size);
    guild.roles.set(role.id, role);
    return role;
  }

  addMember(guildId: string, userId: string, opts: { roles?: string[]; permissions?: bigint }): MemberRecord {
    const guild = this.requireGuild(guildId);
    this.requireUser(userId);
    for (const roleId of opts.roles ?? []) {
      if (!guild.roles.has(roleId)) throw new Error(`Role ${roleId} is not in guild ${guildId}`);
    }
    const member: MemberRecord = {
      userId,
      roles: opts.roles ?? [],
      permissions: opts.permissions,
      joinedAt: new Date().toISOString(),
    };
    guild.members.set(userId, member);
    return member;
  }

  /** A member's guild permissions: explicit ones, else @everyone and roles, else ordinary member defaults. */
  memberPermissions(guildId: string, userId: string): bigint {
    const guild = this.requireGuild(guildId);
    if (userId === this.botUser.id) return expandAdministrator(this.botGuildPermissions.get(guildId) ?? 0n);
    const member = guild.members.get(userId);
    if (!member) throw new Error(`User ${userId} is not a member of guild ${guildId}`);
    if (member.permissions !== undefined) return expandAdministrator(member.permissions);
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let permissions = BigInt(guild.roles.get(guildId)?.permissions ?? "0");
    for (const roleId of member.roles) permissions |= BigInt(guild.roles.get(roleId)?.permissions ?? "0");
    return expandAdministrator(member.roles.length === 0 ? permissions | DEFAULT_MEMBER_PERMISSIONS : permissions);
  }

  /** What the bot may do in a channel: everything as Administrator, else the channel override if set, else its guild permissions. */
  botChannelPermissions(channelId: string): bigint {
    const channel = this.requireChannel(channelId);
    const guildPermissions = this.botGuildPermissions.get(channel.guildId) ?? 0n;
    if ((guildPermissions & Permission.Administrator) !== 0n) return ALL_PERMISSIONS;
    return channel.botPermissions ?? guildPermissions;
  }

  setBotGuildPermissions(guildId: string, permissions: bigint): APIRole {
    const guild = this.requireGuild(guildId);
    this.botGuildPermissions.set(guildId, permissions);
    const role = { ...guild.roles.get(guild.botRoleId)!, permissions: permissions.toString() };
    guild.roles.set(role.id, role);
    return role;
  }

  storeMessage(record: MessageRecord): void {
    this.messages.set(record.message.id, record);
    if (!record.ephemeral) {
      this.channelMessageIds.get(record.message.channel_id)?.push(record.message.id);
      const channel = this.channels.get(record.message.channel_id);
      if (channel) channel.lastMessageId = record.message.id;
    }
  }

  deleteMessage(messageId: string): void {
    const record = this.messages.get(messageId);
    if (!record) return;
    this.messages.delete(messageId);
    const ids = this.channelMessageIds.get(record.message.channel_id);
    const index = ids?.indexOf(messageId) ?? -1;
    if (index >= 0) ids!.splice(index, 1);
  }

  requireGuild(guildId: string): GuildRecord {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`Unknown guild ${guildId}`);
    return guild;
  }

  requireChannel(channelId: string): ChannelRecord {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`Unknown channel ${channelId}`);
    return channel;
  }

  requireUser(userId: string): APIUser {
    const user = this.users.get(userId);
    if (!user) throw new Error(`Unknown user ${userId}`);
    return user;
  }
}

function makeRole(id: string, name: string, permissions: bigint, position: number): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}
