/**
 * /txt2img commands for the fleet benches, sent through the Discord fake's process, and what became of each as
 * the fake saw it: when its deferral (callback type 5) came and with what status, and whether its reply said
 * "Queued as" or something else (a refusal).
 */
import type { CallSummary } from "../../test/discord-fake/remote/protocol.ts";
import type { RemoteDiscordFake } from "../../test/discord-fake/remote/remote-fake.ts";
import type { SlashCommandInput } from "../../test/discord-fake/interaction-builders.ts";
import type { BenchGuild } from "./fleet-world.ts";

/** A /txt2img as the fake dispatches it; small and few steps, since the stand-in model ignores them anyway. */
export function txt2img(guild: BenchGuild, userId: string, prompt: string): SlashCommandInput {
  return {
    guildId: guild.id,
    channelId: guild.channelId,
    userId,
    name: "txt2img",
    options: [
      { name: "prompt", type: 3, value: prompt },
      { name: "steps", type: 4, value: 4 },
      { name: "width", type: 4, value: 256 },
      { name: "height", type: 4, value: 256 },
    ],
  };
}

/** One command as dispatched (the fake's clock). */
export interface SentCommand {
  token: string;
  sentAt: number;
}

/** What the fake saw of one command. */
export interface CommandOutcome {
  /** The first callback's answer time and HTTP status (404 once Discord's 3 s passed). */
  callback?: { at: number; status: number };
  /** The reply's edit that said "Queued as #…", or else its first edit or followup (what the bot said instead). */
  reply?: { at: number; queued: boolean; content: string };
}

const CALLBACK = /^\/interactions\/\d+\/([^/]+)\/callback$/;
const ORIGINAL = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/;
const FOLLOWUP = /^\/webhooks\/\d+\/([^/]+)$/;

/** Reads the fake's calls into outcomes by interaction token; call again to pick up newer calls. */
export class CommandTracker {
  readonly outcomes = new Map<string, CommandOutcome>();
  /** 429 answers by route shape (ids and tokens left out), e.g. "PATCH /webhooks/:id/:token/messages/@original". */
  readonly rateLimited = new Map<string, number>();
  #read = 0;

  constructor(private readonly fake: RemoteDiscordFake) {}

  async update(): Promise<void> {
    const calls = await this.fake.sync();
    for (const call of calls.slice(this.#read)) this.#note(call);
    this.#read = calls.length;
  }

  /** Polls until `done(outcome)` holds for every command in `sent`, or `timeoutMs` passes; returns whether it did. */
  async waitFor(sent: readonly SentCommand[], done: (outcome: CommandOutcome) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.update();
      if (sent.every(({ token }) => done(this.outcomes.get(token) ?? {}))) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #note(call: CallSummary): void {
    if (call.status === 429) {
      const shape = `${call.method} ${call.route.replace(/\/\d{15,}/g, "/:id").replace(/(\/(?:webhooks|interactions)\/:id)\/[^/]+/, "$1/:token")}`;
      this.rateLimited.set(shape, (this.rateLimited.get(shape) ?? 0) + 1);
    }
    const callback = CALLBACK.exec(call.route)?.[1];
    if (callback && call.method === "POST") {
      const outcome = this.#of(callback);
      outcome.callback ??= { at: call.at, status: call.status };
      return;
    }
    // The reply: its edits, or a private followup in its place (how the bot reports an error after deferring).
    const token = call.method === "PATCH" ? ORIGINAL.exec(call.route)?.[1] : call.method === "POST" ? FOLLOWUP.exec(call.route)?.[1] : undefined;
    if (token && call.status < 300 && call.content !== undefined) {
      const outcome = this.#of(token);
      const queued = /Queued as/.test(call.content);
      // Any edit before "Queued as" is kept only if "Queued as" never comes (a refusal).
      if (!outcome.reply || (queued && !outcome.reply.queued)) outcome.reply = { at: call.at, queued, content: call.content };
    }
  }

  #of(token: string): CommandOutcome {
    let outcome = this.outcomes.get(token);
    if (!outcome) this.outcomes.set(token, (outcome = {}));
    return outcome;
  }
}
