import type { APIApplicationCommand } from "discord-api-types/v10";
import { ApiErrors } from "../api-error.ts";
import type { FakeContext } from "../fake-context.ts";
import type { RestRequest, RouteDefinition } from "../rest-router.ts";
import { nextSnowflake } from "../snowflake.ts";

/** Discord's rule for chat-input command and option names. */
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** GET /applications/@me and the global and guild application command routes. */
export function applicationRoutes(ctx: FakeContext): RouteDefinition[] {
  const { state } = ctx;

  const scopeOf = (params: Record<string, string>): string => {
    if (params.applicationId !== ctx.applicationId) throw ApiErrors.missingAccess();
    if (params.guildId === undefined) return "global";
    if (!state.guilds.has(params.guildId)) throw ApiErrors.missingAccess();
    return params.guildId;
  };

  /** Validates one command body and turns it into the stored object, keeping the id of a same-named command. */
  const toCommand = (scope: string, raw: unknown, path: string): APIApplicationCommand => {
    const body = (raw ?? {}) as Record<string, unknown>;
    const type = Number(body.type ?? 1);
    const errors: Record<string, unknown> = {};
    const name = typeof body.name === "string" ? body.name : "";
    if (type === 1 ? !CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase() : name.length < 1 || name.length > 32) {
      errors.name = { _errors: [{ code: "APPLICATION_COMMAND_INVALID_NAME", message: "Command name is invalid" }] };
    }
    const description = typeof body.description === "string" ? body.description : "";
    if (type === 1 && (description.length < 1 || description.length > 100)) {
      errors.description = { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." }] };
    }
    if (Object.keys(errors).length > 0) throw ApiErrors.invalidFormBody(path ? { [path]: errors } : errors);
    const previous = state.commands.get(scope)?.find((c) => c.name === name && c.type === type);
    return {
      ...(body as object),
      id: previous?.id ?? nextSnowflake(),
      application_id: ctx.applicationId,
      ...(scope === "global" ? {} : { guild_id: scope }),
      version: nextSnowflake(),
      type,
      name,
      name_localizations: (body.name_localizations as never) ?? null,
      description: type === 1 ? description : "",
      description_localizations: (body.description_localizations as never) ?? null,
      default_member_permissions: (body.default_member_permissions as string | null | undefined) ?? null,
      nsfw: Boolean(body.nsfw),
      contexts: (body.contexts as never) ?? null,
      integration_types: (body.integration_types as never) ?? [0],
    } as APIApplicationCommand;
  };

  const list = ({ params }: RestRequest) => ({ status: 200, body: state.commands.get(scopeOf(params)) ?? [] });
  const overwrite = ({ params, json }: RestRequest) => {
    const scope = scopeOf(params);
    if (!Array.isArray(json)) throw ApiErrors.invalidFormBody({ _errors: [{ code: "BASE_TYPE_ARRAY", message: "Must be an array." }] });
    const commands = json.map((raw, i) => toCommand(scope, raw, String(i)));
    state.commands.set(scope, commands);
    return { status: 200, body: commands };
  };
  const createOne = ({ params, json }: RestRequest) => {
    const scope = scopeOf(params);
    const command = toCommand(scope, json, "");
    const existing = state.commands.get(scope) ?? [];
    const replaced = existing.some((c) => c.id === command.id);
    state.commands.set(scope, [...existing.filter((c) => c.id !== command.id), command]);
    return { status: replaced ? 200 : 201, body: command };
  };
  const getOne = ({ params }: RestRequest) => {
    const found = state.commands.get(scopeOf(params))?.find((c) => c.id === params.commandId);
    if (!found) throw ApiErrors.unknownApplicationCommand();
    return { status: 200, body: found };
  };
  const deleteOne = ({ params }: RestRequest) => {
    const scope = scopeOf(params);
    const existing = state.commands.get(scope) ?? [];
    if (!existing.some((c) => c.id === params.commandId)) throw ApiErrors.unknownApplicationCommand();
    state.commands.set(scope, existing.filter((c) => c.id !== params.commandId));
    return { status: 204 };
  };

  const routes: RouteDefinition[] = [
    {
      method: "GET",
      pattern: "/applications/@me",
      auth: "bot",
      handle: () => ({
        status: 200,
        body: {
          id: ctx.applicationId,
          name: state.botUser.username,
          icon: null,
          description: "",
          bot_public: true,
          bot_require_code_grant: false,
          bot: state.botUser,
          verify_key: "0".repeat(64),
          flags: 0,
          team: null,
          summary: "",
          owner: { ...state.botUser, id: nextSnowflake(), username: "owner", bot: false },
        },
      }),
    },
  ];
  for (const base of ["/applications/:applicationId/commands", "/applications/:applicationId/guilds/:guildId/commands"]) {
    routes.push(
      { method: "GET", pattern: base, auth: "bot", handle: list },
      { method: "PUT", pattern: base, auth: "bot", handle: overwrite },
      { method: "POST", pattern: base, auth: "bot", handle: createOne },
      { method: "GET", pattern: `${base}/:commandId`, auth: "bot", handle: getOne },
      { method: "DELETE", pattern: `${base}/:commandId`, auth: "bot", handle: deleteOne },
    );
  }
  return routes;
}
