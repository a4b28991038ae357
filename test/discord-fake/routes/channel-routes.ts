import { ApiErrors } from "../api-error.ts";
import { toApiChannel, toApiMessage } from "../api-objects.ts";
import type { FakeContext } from "../fake-context.ts";
import { emitMessageCreate, emitMessageDelete, emitMessageUpdate } from "../gateway-events.ts";
import { DEFAULT_FILE_SIZE_LIMIT, createMessage, editMessage, type MessageBody } from "../message-factory.ts";
import { Permission, hasPermissions } from "../permissions.ts";
import type { RouteDefinition } from "../rest-router.ts";
import { channelMessage, requireBotPermissions, visibleChannel } from "./access.ts";

/** GET channel and the channel message routes the bot token uses. */
export function channelRoutes(ctx: FakeContext): RouteDefinition[] {
  const { state } = ctx;
  return [
    {
      method: "GET",
      pattern: "/channels/:channelId",
      auth: "bot",
      handle: ({ params }) => ({ status: 200, body: toApiChannel(state, visibleChannel(ctx, params.channelId)) }),
    },
    {
      method: "GET",
      pattern: "/channels/:channelId/messages",
      auth: "bot",
      handle: ({ params, query }) => {
        visibleChannel(ctx, params.channelId);
        // Without Read Message History Discord answers with an empty list, not an error.
        if (!hasPermissions(state.botChannelPermissions(params.channelId), Permission.ReadMessageHistory)) return { status: 200, body: [] };
        const limit = Math.min(Math.max(Number(query.get("limit") ?? 50), 1), 100);
        const before = query.get("before");
        const after = query.get("after");
        let ids = [...(state.channelMessageIds.get(params.channelId) ?? [])];
        if (before) ids = ids.filter((id) => BigInt(id) < BigInt(before));
        if (after) ids = ids.filter((id) => BigInt(id) > BigInt(after));
        const page = after ? ids.slice(0, limit) : ids.slice(-limit);
        return { status: 200, body: page.reverse().map((id) => toApiMessage(state, state.messages.get(id)!)) };
      },
    },
    {
      method: "POST",
      pattern: "/channels/:channelId/messages",
      auth: "bot",
      handle: ({ params, json, files }) => {
        visibleChannel(ctx, params.channelId);
        requireBotPermissions(ctx, params.channelId, Permission.SendMessages | (files.length > 0 ? Permission.AttachFiles : 0n));
        const body = (json ?? {}) as MessageBody;
        if (body.message_reference) requireBotPermissions(ctx, params.channelId, Permission.ReadMessageHistory);
        if (body.nonce !== undefined && body.enforce_nonce === true) {
          const sent = ctx.nonces.find(params.channelId, state.botUser.id, body.nonce);
          const existing = sent === undefined ? undefined : state.messages.get(sent);
          if (existing) return { status: 200, body: toApiMessage(state, existing) };
        }
        const record = createMessage(ctx, { channelId: params.channelId, author: state.botUser, body, files, sizeLimit: DEFAULT_FILE_SIZE_LIMIT });
        if (body.nonce !== undefined && body.enforce_nonce === true) ctx.nonces.remember(params.channelId, state.botUser.id, body.nonce, record.message.id);
        state.storeMessage(record);
        emitMessageCreate(ctx, record);
        return { status: 200, body: toApiMessage(state, record) };
      },
    },
    {
      method: "GET",
      pattern: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      handle: ({ params }) => ({ status: 200, body: toApiMessage(state, channelMessage(ctx, params.channelId, params.messageId)) }),
    },
    {
      method: "PATCH",
      pattern: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      handle: ({ params, json, files }) => {
        const record = channelMessage(ctx, params.channelId, params.messageId, false);
        if (record.message.author.id !== state.botUser.id) throw ApiErrors.cannotEditOthersMessage();
        if (files.length > 0) requireBotPermissions(ctx, params.channelId, Permission.AttachFiles);
        editMessage(ctx, record, (json ?? {}) as MessageBody, files, DEFAULT_FILE_SIZE_LIMIT);
        emitMessageUpdate(ctx, record);
        return { status: 200, body: toApiMessage(state, record) };
      },
    },
    {
      method: "DELETE",
      pattern: "/channels/:channelId/messages/:messageId",
      auth: "bot",
      handle: ({ params }) => {
        const record = channelMessage(ctx, params.channelId, params.messageId, false);
        if (record.message.author.id !== state.botUser.id) requireBotPermissions(ctx, params.channelId, Permission.ManageMessages);
        state.deleteMessage(record.message.id);
        emitMessageDelete(ctx, record);
        return { status: 204 };
      },
    },
  ];
}
