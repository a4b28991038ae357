import { Client, GatewayIntentBits, Partials } from "discord.js";

/**
 * The bot's Discord client: only the non-privileged intents it needs (slash commands arrive without any; reactions
 * need GuildMessageReactions), and partials so that reactions on messages from before a restart still arrive.
 */
export function createDiscordClient(options: { apiUrl?: string; sharding?: { shards: number[]; shardCount: number } | "auto" } = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User],
    ...(options.apiUrl ? { rest: { api: options.apiUrl } } : {}),
    // SHARD_COUNT/SHARDS: the shards this process runs (discord.js's own sharding, in this process).
    ...(options.sharding === "auto" ? { shards: "auto" as const } : options.sharding ? options.sharding : {}),
    // Never ping @everyone/roles by accident; a result mentions its requester only.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
