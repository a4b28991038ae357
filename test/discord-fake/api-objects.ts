import type { APIChannel, APIGuildMember, APIMessage, APIOverwrite, GuildMemberFlags } from "discord-api-types/v10";
import { ALL_PERMISSIONS } from "./permissions.ts";
import type { ChannelRecord, GuildRecord, MessageRecord, StateStore } from "./state-store.ts";

// Serializers from the fake's records to the JSON objects Discord sends (REST answers and gateway payloads).

export function toApiMember(state: StateStore, guild: GuildRecord, userId: string): APIGuildMember {
  const member = guild.members.get(userId);
  if (!member) throw new Error(`User ${userId} is not a member of guild ${guild.id}`);
  return {
    user: state.requireUser(userId),
    nick: null,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/** A guild channel; `withGuildId` is false inside GUILD_CREATE, where Discord leaves it out. */
export function toApiChannel(state: StateStore, channel: ChannelRecord, withGuildId = true): APIChannel {
  const overwrites: APIOverwrite[] = [];
  if (channel.botPermissions !== undefined) {
    // A member overwrite that allows exactly the chosen bits and denies the rest, so that discord.js'
    // own permission maths (channel.permissionsFor(me)) agrees with what the fake enforces.
    overwrites.push({
      id: state.botUser.id,
      type: 1,
      allow: channel.botPermissions.toString(),
      deny: (ALL_PERMISSIONS & ~channel.botPermissions).toString(),
    });
  }
  return {
    id: channel.id,
    type: channel.type,
    ...(withGuildId ? { guild_id: channel.guildId } : {}),
    name: channel.name,
    position: channel.position,
    permission_overwrites: overwrites,
    nsfw: channel.nsfw,
    topic: null,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    parent_id: null,
    flags: 0,
  } as unknown as APIChannel;
}

/**
 * The GUILD_CREATE payload. Like Discord without the GUILD_PRESENCES intent, members lists only the bot
 * itself unless `allMembers` is set.
 */
export function toGuildCreate(state: StateStore, guild: GuildRecord, allMembers: boolean): Record<string, unknown> {
  const memberIds = allMembers ? [...guild.members.keys()] : [state.botUser.id];
  return {
    ...toApiGuild(guild),
    joined_at: guild.joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: memberIds.map((id) => toApiMember(state, guild, id)),
    channels: guild.channelIds.map((id) => toApiChannel(state, state.channels.get(id)!, false)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function toApiGuild(guild: GuildRecord): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: "en-US",
    nsfw_level: 0,
    max_video_channel_users: 25,
    incidents_data: null,
  };
}

/** A stored message as the API returns it, with its `reactions` summarised from the bot's point of view. */
export function toApiMessage(state: StateStore, record: MessageRecord): APIMessage {
  const reactions = [...record.reactions.values()]
    .filter((reaction) => reaction.userIds.size > 0)
    .map((reaction) => ({
      emoji: reaction.emoji,
      count: reaction.userIds.size,
      count_details: { burst: 0, normal: reaction.userIds.size },
      me: reaction.userIds.has(state.botUser.id),
      me_burst: false,
      burst_colors: [],
    }));
  const message = structuredClone(record.message);
  if (reactions.length > 0) message.reactions = reactions;
  return message;
}
