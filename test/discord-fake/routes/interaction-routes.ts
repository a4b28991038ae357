import type { APIModalInteractionResponseCallbackData } from "discord-api-types/v10";
import { ApiErrors } from "../api-error.ts";
import { modalErrors } from "../modals.ts";
import { toApiMessage } from "../api-objects.ts";
import type { FakeContext } from "../fake-context.ts";
import { emitMessageCreate, emitMessageDelete, emitMessageUpdate } from "../gateway-events.ts";
import { createMessage, editMessage, type MessageBody } from "../message-factory.ts";
import type { RestRequest, RouteDefinition, RouteParams } from "../rest-router.ts";
import type { InteractionRecord, MessageRecord } from "../state-store.ts";

const Callback = { Reply: 4, DeferReply: 5, DeferUpdate: 6, Update: 7, Autocomplete: 8, Modal: 9 } as const;
const FLAG_EPHEMERAL = 1 << 6;
const FLAG_LOADING = 1 << 7;

/**
 * The interaction callback and the webhook-token routes (`@original`, followups). None take the bot
 * token: the interaction token in the path is the credential, valid 15 minutes (then 401 50027).
 */
export function interactionRoutes(ctx: FakeContext): RouteDefinition[] {
  const { state } = ctx;

  const webhookInteraction = (params: RouteParams): InteractionRecord => {
    if (ctx.faults.expiredTokens.has(params.token)) throw ApiErrors.invalidWebhookToken();
    const record = state.interactionsByToken.get(params.token);
    // Before the callback there is no webhook to talk to.
    if (!record || params.applicationId !== ctx.applicationId || record.callbackType === undefined) throw ApiErrors.unknownWebhook();
    return record;
  };

  const interactionMessage = (interaction: InteractionRecord, messageId: string): MessageRecord => {
    const id = messageId === "@original" ? interaction.originalMessageId : messageId;
    const owned = id !== undefined && (id === interaction.originalMessageId || interaction.followupIds.includes(id));
    const record = owned ? state.messages.get(id) : undefined;
    if (!record) throw ApiErrors.unknownMessage();
    return record;
  };

  const create = (interaction: InteractionRecord, body: MessageBody, files: RestRequest["files"], extraFlags = 0): MessageRecord => {
    const record = createMessage(ctx, {
      channelId: interaction.channelId,
      author: state.botUser,
      body,
      files,
      sizeLimit: interaction.attachmentSizeLimit,
      interaction,
      extraFlags,
    });
    state.storeMessage(record);
    emitMessageCreate(ctx, record);
    return record;
  };

  const edit = (interaction: InteractionRecord, record: MessageRecord, request: RestRequest): MessageRecord => {
    editMessage(ctx, record, (request.json ?? {}) as MessageBody, request.files, interaction.attachmentSizeLimit);
    interaction.edits.push({ messageId: record.message.id, body: request.json, at: Date.now() });
    emitMessageUpdate(ctx, record);
    return record;
  };

  return [
    {
      method: "POST",
      pattern: "/interactions/:interactionId/:token/callback",
      auth: "none",
      handle: (request) => {
        const { params, query } = request;
        if (ctx.faults.expiredTokens.has(params.token)) throw ApiErrors.invalidWebhookToken();
        const interaction = state.interactions.get(params.interactionId);
        if (!interaction || interaction.token !== params.token) throw ApiErrors.unknownInteraction();
        if (interaction.callbackType !== undefined) throw ApiErrors.alreadyAcknowledged();
        if (Date.now() - interaction.createdAt > ctx.ackDeadlineMs) throw ApiErrors.unknownInteraction();
        const { type, data } = (request.json ?? {}) as { type?: number; data?: MessageBody };
        if (type === undefined || !Object.values(Callback).includes(type as never)) {
          throw ApiErrors.invalidFormBody({ type: { _errors: [{ code: "BASE_TYPE_CHOICES", message: `Value must be one of ${Object.values(Callback).join(", ")}.` }] } });
        }
        if (type === Callback.Modal) {
          // A modal cannot answer a modal's submission, nor an autocomplete; its shape is checked as Discord does.
          if (interaction.interactionType === 5 || interaction.interactionType === 4) {
            throw ApiErrors.invalidFormBody({ type: { _errors: [{ code: "INTERACTION_RESPONSE_TYPE_INVALID", message: "This interaction cannot be answered with a modal." }] } });
          }
          const errors = modalErrors(data);
          if (errors) throw ApiErrors.invalidFormBody({ data: errors });
          interaction.modal = data as unknown as APIModalInteractionResponseCallbackData;
        }
        let message: MessageRecord | undefined;
        if (type === Callback.Reply) message = create(interaction, data ?? {}, request.files);
        if (type === Callback.DeferReply) message = create(interaction, { flags: (data?.flags ?? 0) & FLAG_EPHEMERAL }, [], FLAG_LOADING);
        interaction.callbackType = type;
        interaction.flags = data?.flags ?? 0;
        interaction.originalMessageId = message?.message.id;
        if (query.get("with_response") !== "true") return { status: 204 };
        return {
          status: 200,
          body: {
            interaction: {
              id: interaction.id,
              type: 2,
              ...(message
                ? {
                    response_message_id: message.message.id,
                    response_message_loading: type === Callback.DeferReply,
                    response_message_ephemeral: message.ephemeral,
                  }
                : {}),
            },
            resource: { type, ...(message ? { message: toApiMessage(state, message) } : {}) },
          },
        };
      },
    },
    {
      method: "POST",
      pattern: "/webhooks/:applicationId/:token",
      auth: "none",
      handle: (request) => {
        const interaction = webhookInteraction(request.params);
        const original = interaction.originalMessageId ? state.messages.get(interaction.originalMessageId) : undefined;
        let record: MessageRecord;
        if (original && ((original.message.flags ?? 0) & FLAG_LOADING) !== 0) {
          // After a defer, Discord turns the first followup into the "is thinking…" message itself.
          record = edit(interaction, original, request);
        } else {
          record = create(interaction, (request.json ?? {}) as MessageBody, request.files);
          interaction.followupIds.push(record.message.id);
        }
        return request.query.get("wait") === "true" ? { status: 200, body: toApiMessage(state, record) } : { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: "/webhooks/:applicationId/:token/messages/:messageId",
      auth: "none",
      handle: ({ params }) => {
        const interaction = webhookInteraction(params);
        return { status: 200, body: toApiMessage(state, interactionMessage(interaction, params.messageId)) };
      },
    },
    {
      method: "PATCH",
      pattern: "/webhooks/:applicationId/:token/messages/:messageId",
      auth: "none",
      handle: (request) => {
        const interaction = webhookInteraction(request.params);
        const record = edit(interaction, interactionMessage(interaction, request.params.messageId), request);
        return { status: 200, body: toApiMessage(state, record) };
      },
    },
    {
      method: "DELETE",
      pattern: "/webhooks/:applicationId/:token/messages/:messageId",
      auth: "none",
      handle: ({ params }) => {
        const interaction = webhookInteraction(params);
        const record = interactionMessage(interaction, params.messageId);
        state.deleteMessage(record.message.id);
        emitMessageDelete(ctx, record);
        return { status: 204 };
      },
    },
  ];
}
