import type { APIInteraction, APIMessage, APIModalInteractionResponseCallbackData } from "discord-api-types/v10";

/** One uploaded file of a multipart request, as the fake received it. */
export interface MultipartFile {
  /** The form field name, e.g. `files[0]`. */
  name: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/** A multipart/form-data body: the parsed `payload_json` (undefined when absent), other text fields, and the files. */
export interface MultipartBody {
  payload_json: unknown;
  fields: Record<string, string>;
  files: MultipartFile[];
}

/** A request body as recorded: parsed JSON, a multipart body, raw text that was not JSON, or undefined when empty. */
export type RecordedBody = unknown;

/** One HTTP request the fake answered (REST under /api/v10, CDN downloads, and unknown paths). */
export interface RecordedCall {
  method: string;
  /** The path with `/api/v10` stripped and each segment percent-decoded: `/webhooks/1/tok/messages/@original`. */
  route: string;
  /** The raw request path as sent, without the query string. */
  path: string;
  query: Record<string, string>;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  body: RecordedBody;
  /** The status the fake answered with. */
  status: number;
  /** `Date.now()` when the answer was sent. */
  at: number;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
}

export interface FakeChannel {
  id: string;
  guildId: string;
  name: string;
  /** Discord `ChannelType` (0 = guild text). */
  type: number;
  nsfw: boolean;
}

/** A message the fake stores: the API object it would return for a GET. */
export type FakeMessage = APIMessage;

/** A slash or context-menu command option as a test writes it (Discord's shape). */
export interface FakeCommandOption {
  name: string;
  /** Discord `ApplicationCommandOptionType` (3 string, 4 integer, 10 number, 11 attachment, 1 subcommand...). */
  type: number;
  value?: unknown;
  options?: FakeCommandOption[];
  focused?: boolean;
}

/** What a test gets back after driving an interaction into the bot. */
export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  /** The INTERACTION_CREATE payload that was dispatched. */
  payload: APIInteraction;
}

/** One edit of an interaction's messages, in arrival order. */
export interface FakeInteractionEdit {
  messageId: string;
  /** The JSON body, or the parsed `payload_json` of a multipart body. */
  body: unknown;
  at: number;
}

/** What the bot did with an interaction so far. */
export interface FakeInteractionState {
  /** The modal the bot answered with (callback type 9), as it sent it. */
  modal?: APIModalInteractionResponseCallbackData;
  id: string;
  token: string;
  /** The callback type the bot answered with (4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  callbackType: number | undefined;
  acknowledged: boolean;
  deferred: boolean;
  /** True when the first response carried flag 64 (EPHEMERAL). */
  ephemeral: boolean;
  /** The flags of the first response (`data.flags`). */
  flags: number;
  /** The `@original` message, if the response created one and it was not deleted. */
  reply: FakeMessage | undefined;
  followups: FakeMessage[];
  edits: FakeInteractionEdit[];
  /** True once `expireInteractionToken` was called for its token. */
  expired: boolean;
}
