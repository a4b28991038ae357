import type { APIUser } from "discord-api-types/v10";
import type { DiscordFakeOptions } from "../discord-fake.ts";
import type { SlashCommandInput } from "../interaction-builders.ts";
import type { FakeChannel, FakeGuild, FakeInteraction, RecordedCall } from "../types.ts";

/** A recorded call without its bytes, small enough to copy between processes by the thousand. */
export interface CallSummary {
  method: string;
  route: string;
  status: number;
  at: number;
  /** The JSON payload's `content`, when it has one. */
  content?: string;
  /** Names of the uploaded files (multipart bodies). */
  filenames: string[];
  nonce?: string;
}

/** What the parent asks the child running the fake; each has an answer of the matching type. */
export interface ControlRequests {
  addGuild: [opts: { name?: string }, FakeGuild];
  addChannel: [opts: { guildId: string; name?: string }, FakeChannel];
  addUser: [opts: { username?: string }, APIUser];
  addMember: [opts: { guildId: string; userId: string }, null];
  /** Dispatches every command in one synchronous loop (a burst, free of IPC jitter); returns when each was sent. */
  sendSlashCommands: [inputs: SlashCommandInput[], Array<{ interaction: FakeInteraction; sentAt: number }>];
  /** Calls recorded from index `from` on. */
  calls: [from: number, CallSummary[]];
  stats: [null, { calls: number; rateLimited: number; invalidRequests: number }];
  stall: [match: { method?: string; route?: string }, null];
  releaseStalls: [null, null];
  stop: [null, null];
}

export type ControlName = keyof ControlRequests;

export interface ControlMessage<K extends ControlName = ControlName> {
  id: number;
  name: K;
  arg: ControlRequests[K][0];
}

export type ControlReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The child's first message: where the fake listens and who the bot is. */
export interface ReadyMessage {
  ready: true;
  apiUrl: string;
  token: string;
  applicationId: string;
  botUserId: string;
}

/** Options for the child's fake, passed as its first argument (JSON). */
export type RemoteFakeOptions = Pick<DiscordFakeOptions, "heartbeatIntervalMs" | "ackDeadlineMs" | "rateLimits">;

export function summarize(call: RecordedCall): CallSummary {
  const body = call.body as { payload_json?: unknown; files?: Array<{ filename: string }> } | undefined;
  const payload = (body && typeof body === "object" && "payload_json" in body ? body.payload_json : body) as
    | { content?: unknown; nonce?: unknown }
    | undefined;
  return {
    method: call.method,
    route: call.route,
    status: call.status,
    at: call.at,
    ...(typeof payload?.content === "string" ? { content: payload.content } : {}),
    filenames: (body && typeof body === "object" && Array.isArray(body.files) ? body.files : []).map((f) => f.filename),
    ...(typeof payload?.nonce === "string" ? { nonce: payload.nonce } : {}),
  };
}
