import type { APIAttachment, APIEmbed, APIMessage, APIUser } from "discord-api-types/v10";
import { ApiErrors } from "./api-error.ts";
import type { FakeContext } from "./fake-context.ts";
import { imageSize } from "./image-size.ts";
import { nextSnowflake } from "./snowflake.ts";
import type { InteractionRecord, MessageRecord } from "./state-store.ts";
import type { MultipartFile } from "./types.ts";

/** Discord's default per-file upload limit (10 MiB); an interaction's `attachment_size_limit` may differ. */
export const DEFAULT_FILE_SIZE_LIMIT = 10 * 1024 * 1024;
/** Discord's per-request upload limit. */
const REQUEST_SIZE_LIMIT = 25 * 1024 * 1024;
const MAX_CONTENT_LENGTH = 2000;
const FLAG_EPHEMERAL = 1 << 6;
const FLAG_LOADING = 1 << 7;
/** Flags a sender may set: SuppressEmbeds, Ephemeral, SuppressNotifications, IsVoiceMessage, IsComponentsV2. */
const SETTABLE_FLAGS = (1 << 2) | FLAG_EPHEMERAL | (1 << 12) | (1 << 13) | (1 << 15);

/** The JSON part of a message create or edit (RESTPostAPIChannelMessageJSONBody and friends). */
export interface MessageBody {
  content?: string;
  tts?: boolean;
  embeds?: APIEmbed[];
  components?: unknown[];
  attachments?: Array<{ id: string | number; filename?: string; description?: string }>;
  flags?: number;
  message_reference?: { message_id?: string; channel_id?: string; guild_id?: string; fail_if_not_exists?: boolean };
  sticker_ids?: string[];
  poll?: unknown;
  nonce?: string | number;
  /** With a nonce: the same author's same nonce in the past few minutes returns that message instead of a new one. */
  enforce_nonce?: boolean;
}

export interface NewMessage {
  channelId: string;
  author: APIUser;
  body: MessageBody;
  files: MultipartFile[];
  sizeLimit: number;
  /** Set for interaction responses and followups: makes a webhook message with interaction metadata. */
  interaction?: InteractionRecord;
  /** Extra flags the platform adds (LOADING for a deferred response). */
  extraFlags?: number;
}

/** Builds and validates a message the way Discord does on create; the caller stores it and emits events. */
export function createMessage(ctx: FakeContext, input: NewMessage): MessageRecord {
  const channel = ctx.state.channels.get(input.channelId);
  if (!channel) throw ApiErrors.unknownChannel();
  const { body } = input;
  validateContent(body);
  const id = nextSnowflake();
  const attachments = resolveAttachments(ctx, input.channelId, body.attachments, input.files, [], input.sizeLimit);
  const isLoading = ((input.extraFlags ?? 0) & FLAG_LOADING) !== 0;
  if (!isLoading && !body.content && !body.embeds?.length && attachments.length === 0 && !body.components?.length && !body.sticker_ids?.length && !body.poll) {
    throw ApiErrors.emptyMessage();
  }
  const flags = ((body.flags ?? 0) & SETTABLE_FLAGS & (input.interaction ? ~0 : ~FLAG_EPHEMERAL)) | (input.extraFlags ?? 0);
  const message: APIMessage = {
    id,
    channel_id: input.channelId,
    author: input.author,
    content: body.content ?? "",
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: body.tts ?? false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments,
    embeds: normalizeEmbeds(body.embeds ?? [], attachments),
    components: (body.components ?? []) as APIMessage["components"],
    pinned: false,
    type: 0,
    flags,
    ...(body.nonce === undefined ? {} : { nonce: body.nonce }),
  };
  if (input.interaction) decorateInteractionMessage(ctx, message, input.interaction);
  if (body.message_reference?.message_id) {
    const referenced = ctx.state.messages.get(body.message_reference.message_id);
    if (!referenced && body.message_reference.fail_if_not_exists !== false) {
      throw ApiErrors.invalidFormBody({ message_reference: { _errors: [{ code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", message: "Unknown message" }] } });
    }
    if (referenced) {
      message.type = 19;
      message.message_reference = { type: 0, message_id: referenced.message.id, channel_id: referenced.message.channel_id, guild_id: channel.guildId };
      message.referenced_message = structuredClone(referenced.message);
    }
  }
  return { message, guildId: channel.guildId, ephemeral: (flags & FLAG_EPHEMERAL) !== 0, reactions: new Map() };
}

/** Applies a PATCH: fields present replace the old ones; `attachments` lists what to keep, new files are added. */
export function editMessage(ctx: FakeContext, record: MessageRecord, body: MessageBody, files: MultipartFile[], sizeLimit: number): void {
  validateContent(body);
  const message = record.message;
  if (body.content !== undefined) message.content = body.content ?? "";
  if (body.components !== undefined) message.components = (body.components ?? []) as APIMessage["components"];
  if (body.attachments !== undefined || files.length > 0) {
    message.attachments = resolveAttachments(ctx, message.channel_id, body.attachments, files, message.attachments, sizeLimit);
  }
  if (body.embeds !== undefined) message.embeds = normalizeEmbeds(body.embeds ?? [], message.attachments);
  if (body.flags !== undefined) {
    // Only SuppressEmbeds can change on an edit; Ephemeral and the rest stay as they were.
    message.flags = ((message.flags ?? 0) & ~(1 << 2)) | ((body.flags ?? 0) & (1 << 2));
  }
  message.flags = (message.flags ?? 0) & ~FLAG_LOADING;
  message.edited_timestamp = new Date().toISOString();
}

function validateContent(body: MessageBody): void {
  if (typeof body.content === "string" && body.content.length > MAX_CONTENT_LENGTH) {
    throw ApiErrors.invalidFormBody({
      content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_CONTENT_LENGTH} or fewer in length.` }] },
    });
  }
  if ((body.embeds?.length ?? 0) > 10) {
    throw ApiErrors.invalidFormBody({ embeds: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 10 or fewer in length." }] } });
  }
}

/**
 * Turns uploads into attachment objects. `attachments[].id` is either the index n of a `files[n]` upload
 * or the id of an attachment the message already has (kept on edit). Unreferenced uploads are appended.
 */
function resolveAttachments(
  ctx: FakeContext,
  channelId: string,
  requested: MessageBody["attachments"],
  files: MultipartFile[],
  existing: APIAttachment[],
  sizeLimit: number,
): APIAttachment[] {
  let total = 0;
  for (const file of files) {
    total += file.data.length;
    if (file.data.length > sizeLimit || total > REQUEST_SIZE_LIMIT) throw ApiErrors.entityTooLarge();
  }
  const uploads = new Map(files.map((file) => [/^files\[(\d+)\]$/.exec(file.name)?.[1] ?? file.name, file]));
  const result: APIAttachment[] = [];
  const used = new Set<MultipartFile>();
  const entries: NonNullable<MessageBody["attachments"]> = requested ?? existing.map((a) => ({ id: a.id }));
  for (const entry of entries) {
    const upload = uploads.get(String(entry.id));
    if (upload && !used.has(upload)) {
      used.add(upload);
      // Discord keeps a description only when it is a string.
      result.push(storeUpload(ctx, channelId, upload, entry.filename, typeof entry.description === "string" ? entry.description : undefined));
      continue;
    }
    const kept = existing.find((a) => a.id === String(entry.id));
    if (kept) result.push(kept);
  }
  for (const file of files) {
    if (!used.has(file)) result.push(storeUpload(ctx, channelId, file));
  }
  return result;
}

function storeUpload(ctx: FakeContext, channelId: string, file: MultipartFile, filename?: string, description?: string): APIAttachment {
  return storeAttachment(ctx, file.data, {
    filename: filename ?? file.filename,
    contentType: file.contentType,
    folder: `attachments/${channelId}`,
    description,
  });
}

/** Stores bytes on the fake CDN and returns the attachment object, with a signed-looking, expiring URL like Discord's. */
export function storeAttachment(
  ctx: FakeContext,
  data: Buffer,
  opts: {
    filename: string;
    contentType: string;
    folder: string;
    description?: string | undefined;
    width?: number | undefined;
    height?: number | undefined;
    url?: string | undefined;
    /** Uploads of a command's options are ephemeral attachments. */
    ephemeral?: boolean;
  },
): APIAttachment {
  const id = nextSnowflake();
  const path = `/${opts.folder}/${id}/${encodeURIComponent(opts.filename)}`;
  ctx.state.files.set(path, { data, contentType: opts.contentType });
  const expires = Math.floor(Date.now() / 1000) + 86_400;
  const signature = `?ex=${expires.toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${id}&`;
  const url = opts.url ?? `${ctx.cdnBaseUrl()}${path}${signature}`;
  // Discord's proxy_url is the media proxy's address of the same file, never the CDN URL again.
  const proxyUrl = `${ctx.mediaBaseUrl()}${path}${signature}`;
  const size = opts.width !== undefined ? { width: opts.width, height: opts.height ?? opts.width } : imageSize(data);
  return {
    id,
    filename: opts.filename,
    size: data.length,
    url,
    proxy_url: proxyUrl,
    content_type: opts.contentType,
    ...(opts.description === undefined ? {} : { description: opts.description }),
    ...(size ?? {}),
    ...(opts.ephemeral ? { ephemeral: true } : {}),
  };
}

/** Discord fills in `type: "rich"` and resolves `attachment://name` image URLs to the uploaded file. */
function normalizeEmbeds(embeds: APIEmbed[], attachments: APIAttachment[]): APIEmbed[] {
  const resolve = (media: { url: string } | undefined) => {
    if (!media?.url.startsWith("attachment://")) return media;
    const attachment = attachments.find((a) => a.filename === media.url.slice("attachment://".length));
    return attachment ? { ...media, url: attachment.url, proxy_url: attachment.proxy_url, width: attachment.width ?? undefined, height: attachment.height ?? undefined } : media;
  };
  return embeds.map((embed) => ({
    type: "rich",
    ...embed,
    // Discord answers every field with `inline`, false unless the sender said true.
    ...(embed.fields ? { fields: embed.fields.map((field) => ({ ...field, inline: field.inline === true })) } : {}),
    ...(embed.image ? { image: resolve(embed.image) } : {}),
    ...(embed.thumbnail ? { thumbnail: resolve(embed.thumbnail) } : {}),
  })) as APIEmbed[];
}

/** Interaction responses are webhook messages from the application, tagged with the interaction that caused them. */
function decorateInteractionMessage(ctx: FakeContext, message: APIMessage, interaction: InteractionRecord): void {
  const user = ctx.state.requireUser(interaction.userId);
  message.type = interaction.commandType === 1 ? 20 : 23;
  message.webhook_id = ctx.applicationId;
  message.application_id = ctx.applicationId;
  message.interaction_metadata = {
    id: interaction.id,
    type: 2,
    user,
    authorizing_integration_owners: { "0": interaction.guildId },
    ...(interaction.originalMessageId ? { original_response_message_id: interaction.originalMessageId } : {}),
    ...(interaction.targetMessageId ? { target_message_id: interaction.targetMessageId } : {}),
  } as APIMessage["interaction_metadata"];
  message.interaction = { id: interaction.id, type: 2, name: interaction.commandName, user };
}
