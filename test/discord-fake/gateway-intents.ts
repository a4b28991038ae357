/** Gateway intent bits (discord-api-types `GatewayIntentBits`) that decide which dispatches a session receives. */
export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  MessageContent: 1 << 15,
} as const;

/**
 * The intent a dispatch needs, as Discord documents it, or undefined for events every session gets
 * (READY, RESUMED, INTERACTION_CREATE, ...). A bot without GuildMessages never sees MESSAGE_CREATE.
 */
export function intentFor(event: string, data: unknown): number | undefined {
  const inGuild = typeof data === "object" && data !== null && "guild_id" in data && Boolean((data as { guild_id?: unknown }).guild_id);
  if (/^(GUILD_(CREATE|UPDATE|DELETE)|GUILD_ROLE_|CHANNEL_|THREAD_)/.test(event)) return Intent.Guilds;
  if (/^GUILD_MEMBER_(ADD|UPDATE|REMOVE)$/.test(event)) return Intent.GuildMembers;
  if (/^MESSAGE_(CREATE|UPDATE|DELETE|DELETE_BULK)$/.test(event)) return inGuild ? Intent.GuildMessages : Intent.DirectMessages;
  if (event.startsWith("MESSAGE_REACTION_")) return inGuild ? Intent.GuildMessageReactions : Intent.DirectMessageReactions;
  return undefined;
}
