import { ApiErrors } from "../api-error.ts";
import { toApiChannel, toApiGuild, toApiMember } from "../api-objects.ts";
import type { FakeContext } from "../fake-context.ts";
import type { RouteDefinition } from "../rest-router.ts";
import type { GuildRecord } from "../state-store.ts";

/** Gateway discovery, users and guild lookups. */
export function miscRoutes(ctx: FakeContext): RouteDefinition[] {
  const { state } = ctx;
  const guildOf = (guildId: string): GuildRecord => {
    const guild = state.guilds.get(guildId);
    if (!guild) throw ApiErrors.unknownGuild();
    return guild;
  };
  return [
    { method: "GET", pattern: "/gateway", auth: "none", handle: () => ({ status: 200, body: { url: ctx.gatewayUrl() } }) },
    {
      method: "GET",
      pattern: "/gateway/bot",
      auth: "bot",
      handle: () => ({
        status: 200,
        body: {
          url: ctx.gatewayUrl(),
          shards: 1,
          session_start_limit: {
            total: 1000,
            remaining: Math.max(0, 1000 - ctx.gateway.identifyCount),
            reset_after: 14_400_000,
            max_concurrency: 1,
          },
        },
      }),
    },
    { method: "GET", pattern: "/users/@me", auth: "bot", handle: () => ({ status: 200, body: state.botUser }) },
    {
      method: "GET",
      pattern: "/users/:userId",
      auth: "bot",
      handle: ({ params }) => {
        const user = state.users.get(params.userId);
        if (!user) throw ApiErrors.unknownUser();
        return { status: 200, body: user };
      },
    },
    { method: "GET", pattern: "/guilds/:guildId", auth: "bot", handle: ({ params }) => ({ status: 200, body: toApiGuild(guildOf(params.guildId)) }) },
    {
      method: "GET",
      pattern: "/guilds/:guildId/channels",
      auth: "bot",
      handle: ({ params }) => ({ status: 200, body: guildOf(params.guildId).channelIds.map((id) => toApiChannel(state, state.channels.get(id)!)) }),
    },
    { method: "GET", pattern: "/guilds/:guildId/roles", auth: "bot", handle: ({ params }) => ({ status: 200, body: [...guildOf(params.guildId).roles.values()] }) },
    {
      method: "GET",
      pattern: "/guilds/:guildId/members/:userId",
      auth: "bot",
      handle: ({ params }) => {
        const guild = guildOf(params.guildId);
        if (!guild.members.has(params.userId)) throw ApiErrors.unknownMember();
        return { status: 200, body: toApiMember(state, guild, params.userId) };
      },
    },
  ];
}
