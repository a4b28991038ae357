import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { APIUser } from "discord-api-types/v10";
import type { SlashCommandInput } from "../interaction-builders.ts";
import type { FakeChannel, FakeGuild, FakeInteraction } from "../types.ts";
import type { CallSummary, ControlName, ControlReply, ControlRequests, ReadyMessage, RemoteFakeOptions } from "./protocol.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/**
 * A DiscordFake in a child process, driven over IPC. Its answers are not delayed by the bot under test (they share
 * no event loop), so acknowledgement times measure the bot. Calls are mirrored here in summaries (no bytes).
 *
 * @example
 * const fake = await RemoteDiscordFake.start();
 * const guild = await fake.addGuild({});
 * // …start a bot with fake.apiUrl and fake.token…
 * await fake.waitForCall((c) => c.route.endsWith("/callback"));
 * await fake.stop();
 */
export class RemoteDiscordFake {
  /** Summaries of every call the child answered so far (after the last {@link sync}). */
  readonly calls: CallSummary[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly apiUrl: string,
    readonly token: string,
    readonly applicationId: string,
    readonly botUserId: string,
  ) {
    child.on("message", (message: ControlReply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`discord-fake child: ${message.error}`));
    });
    child.on("exit", () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error("discord-fake child exited"));
      this.pending.clear();
    });
  }

  static async start(options: RemoteFakeOptions = {}): Promise<RemoteDiscordFake> {
    const child = fork(MAIN, [JSON.stringify(options)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const [ready] = (await Promise.race([
      once(child, "message"),
      once(child, "exit").then(([code]) => Promise.reject(new Error(`discord-fake child exited with ${String(code)}`))),
    ])) as [ReadyMessage];
    return new RemoteDiscordFake(child, ready.apiUrl, ready.token, ready.applicationId, ready.botUserId);
  }

  addGuild(opts: { name?: string } = {}): Promise<FakeGuild> {
    return this.request("addGuild", opts);
  }

  addChannel(guildId: string, name?: string): Promise<FakeChannel> {
    return this.request("addChannel", { guildId, ...(name === undefined ? {} : { name }) });
  }

  addUser(opts: { username?: string } = {}): Promise<APIUser> {
    return this.request("addUser", opts);
  }

  async addMember(guildId: string, userId: string): Promise<void> {
    await this.request("addMember", { guildId, userId });
  }

  /** Dispatches the commands back to back in the child; each with the time it was dispatched. */
  sendSlashCommands(inputs: SlashCommandInput[]): Promise<Array<{ interaction: FakeInteraction; sentAt: number }>> {
    return this.request("sendSlashCommands", inputs);
  }

  stats(): Promise<ControlRequests["stats"][1]> {
    return this.request("stats", null);
  }

  /** Matching requests get no answer until {@link releaseStalls}. `route` is a regular expression's source. */
  async stall(match: { method?: string; route?: string }): Promise<void> {
    await this.request("stall", match);
  }

  async releaseStalls(): Promise<void> {
    await this.request("releaseStalls", null);
  }

  /** Copies the calls recorded since the last sync into {@link calls}. */
  async sync(): Promise<CallSummary[]> {
    const fresh = await this.request("calls", this.calls.length);
    this.calls.push(...fresh);
    return this.calls;
  }

  /** Polls until a call matches (past or future); rejects after `timeoutMs`. */
  async waitForCall(pred: (call: CallSummary) => boolean, timeoutMs = 5_000): Promise<CallSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.sync()).find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No matching call within ${timeoutMs} ms (${this.calls.length} calls so far)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    await this.request("stop", null).catch(() => undefined);
    await exited;
  }

  private request<K extends ControlName>(name: K, arg: ControlRequests[K][0]): Promise<ControlRequests[K][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, name, arg });
    });
  }
}
