import { randomBytes } from "node:crypto";
import type { APIAttachment, APIRole, APIUser, UserFlags } from "discord-api-types/v10";
import { toApiChannel, toApiMember, toApiMessage, toGuildCreate } from "./api-objects.ts";
import { CallRecorder } from "./call-recorder.ts";
import type { FakeContext } from "./fake-context.ts";
import { FaultInjector, type FaultMatch, type FaultOptions, type FaultStatus } from "./fault-injection.ts";
import { Gateway } from "./gateway.ts";
import { Intent } from "./gateway-intents.ts";
import { FakeHttpServer } from "./http-server.ts";
import { buildMessageCommand, buildModalSubmit, buildSlashCommand, type MessageCommandInput, type SlashCommandInput } from "./interaction-builders.ts";
import { modalSubmission } from "./modals.ts";
import { storeAttachment } from "./message-factory.ts";
import { addReaction } from "./reactions.ts";
import { MessageNonces } from "./message-nonces.ts";
import { RateLimiter, type INVALID_REQUEST_BAN_THRESHOLD } from "./rate-limits.ts";
import { RestRouter } from "./rest-router.ts";
import { applicationRoutes } from "./routes/application-routes.ts";
import { channelRoutes } from "./routes/channel-routes.ts";
import { interactionRoutes } from "./routes/interaction-routes.ts";
import { miscRoutes } from "./routes/misc-routes.ts";
import { reactionRoutes } from "./routes/reaction-routes.ts";
import { nextSnowflake } from "./snowflake.ts";
import { StateStore, parseEmoji } from "./state-store.ts";
import type { FakeChannel, FakeGuild, FakeInteraction, FakeInteractionState, FakeMessage, RecordedCall } from "./types.ts";

export interface DiscordFakeOptions {
  /** HELLO's heartbeat interval. Short (a few hundred ms) exercises heartbeats in tests. @default 41250 */
  heartbeatIntervalMs?: number;
  /** How long after INTERACTION_CREATE the first callback is accepted; later ones get 404 10062. @default 3000 */
  ackDeadlineMs?: number;
  /**
   * Per-route buckets and the global 50 requests/s, answered with 429 as Discord does. Every answer carries the
   * `X-RateLimit-*` headers either way. @default true
   */
  rateLimits?: boolean;
}

/**
 * A Discord API fake that a real discord.js 14 client logs into: REST under `/api/v10`, the gateway over
 * WebSocket, a CDN for attachment bytes, on 127.0.0.1 with an ephemeral port. It keeps an in-memory world,
 * emits the gateway events Discord emits after writes, and records every HTTP call.
 *
 * @example
 * const fake = await DiscordFake.start({ heartbeatIntervalMs: 500 });
 * const guild = fake.addGuild();
 * const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 * await client.login(fake.token);
 */
export class DiscordFake {
  readonly botUser: APIUser;
  readonly applicationId: string;
  readonly token: string;
  private readonly state: StateStore;
  private readonly gateway: Gateway;
  private readonly faults = new FaultInjector();
  private readonly rateLimiter: RateLimiter;
  private readonly nonces = new MessageNonces();
  private rateLimitsOn: boolean;
  private readonly recorder = new CallRecorder();
  private readonly server: FakeHttpServer;
  private readonly ctx: FakeContext;
  private port = 0;

  private constructor(opts: DiscordFakeOptions) {
    this.rateLimitsOn = opts.rateLimits ?? true;
    this.rateLimiter = new RateLimiter(() => this.rateLimitsOn);
    const botId = nextSnowflake();
    this.applicationId = botId; // Discord gives a bot the id of its application.
    this.botUser = {
      id: botId,
      username: "reroll",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
      system: false,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    // Shaped like a real token (base64 user id, timestamp, HMAC) so discord.js' token censoring works.
    this.token = `${Buffer.from(botId).toString("base64url")}.${randomBytes(4).toString("base64url")}.${randomBytes(27).toString("base64url")}`;
    this.state = new StateStore(this.botUser);
    this.gateway = new Gateway({
      token: this.token,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
      resumeUrl: () => this.gatewayUrl,
      readyData: () => ({
        v: 10,
        user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
        application: { id: this.applicationId, flags: 0 },
        guilds: [...this.state.guilds.keys()].map((id) => ({ id, unavailable: true })),
        shard: [0, 1],
        user_settings: {},
        relationships: [],
        private_channels: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
      }),
      guildCreates: (intents) =>
        [...this.state.guilds.values()].map((guild) => toGuildCreate(this.state, guild, (intents & Intent.GuildPresences) !== 0)),
    });
    this.ctx = {
      state: this.state,
      gateway: this.gateway,
      faults: this.faults,
      rateLimiter: this.rateLimiter,
      nonces: this.nonces,
      applicationId: this.applicationId,
      token: this.token,
      cdnBaseUrl: () => this.cdnBaseUrl,
      mediaBaseUrl: () => this.mediaBaseUrl,
      gatewayUrl: () => this.gatewayUrl,
      ackDeadlineMs: opts.ackDeadlineMs ?? 3_000,
    };
    const router = new RestRouter([
      ...miscRoutes(this.ctx),
      ...channelRoutes(this.ctx),
      ...reactionRoutes(this.ctx),
      ...interactionRoutes(this.ctx),
      ...applicationRoutes(this.ctx),
    ]);
    this.server = new FakeHttpServer(this.ctx, router, this.recorder);
  }

  /** Starts a fake on 127.0.0.1 with an ephemeral port. */
  static async start(opts: DiscordFakeOptions = {}): Promise<DiscordFake> {
    const fake = new DiscordFake(opts);
    fake.port = await fake.server.listen();
    return fake;
  }

  /** Pass as `new Client({ rest: { api } })` or `new REST({ api })`; discord.js appends `/v10`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Where attachment bytes are served. */
  get cdnBaseUrl(): string {
    return `http://127.0.0.1:${this.port}/cdn`;
  }

  /** Where the media proxy serves the same bytes (attachments' `proxy_url`, as media.discordapp.net). */
  get mediaBaseUrl(): string {
    return `http://127.0.0.1:${this.port}/media`;
  }

  /** The gateway URL GET /gateway/bot hands out (also READY's resume_gateway_url). */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** Closes the gateway connections and the HTTP server. Destroy clients first so they do not reconnect. */
  async stop(): Promise<void> {
    await this.gateway.close();
    await this.server.close();
  }

  // ── world ──────────────────────────────────────────────────────────────────────────────────────────

  /** Adds a guild the bot is in, with @everyone, the bot's managed role, the owner and the bot as members. */
  addGuild(opts: { name?: string; ownerId?: string } = {}): FakeGuild {
    const guild = this.state.addGuild(opts);
    this.gateway.dispatch("GUILD_CREATE", toGuildCreate(this.state, guild, false));
    return { id: guild.id, name: guild.name, ownerId: guild.ownerId };
  }

  /** Adds a channel (default: guild text, type 0); connected clients get CHANNEL_CREATE. */
  addChannel(guildId: string, opts: { name?: string; nsfw?: boolean; type?: number } = {}): FakeChannel {
    const channel = this.state.addChannel(guildId, opts);
    this.gateway.dispatch("CHANNEL_CREATE", toApiChannel(this.state, channel));
    return { id: channel.id, guildId, name: channel.name, type: channel.type, nsfw: channel.nsfw };
  }

  addUser(opts: { username?: string; bot?: boolean } = {}): APIUser {
    return this.state.addUser(opts);
  }

  /**
   * Makes a user a member. `permissions` is what interactions report as `member.permissions`; without it a
   * member has its roles' permissions, or ordinary member defaults when it has no roles.
   */
  addMember(guildId: string, userId: string, opts: { roles?: string[]; permissions?: bigint } = {}): void {
    this.state.addMember(guildId, userId, opts);
    const guild = this.state.requireGuild(guildId);
    this.gateway.dispatch("GUILD_MEMBER_ADD", { ...toApiMember(this.state, guild, userId), guild_id: guildId });
  }

  addRole(guildId: string, opts: { name?: string; permissions?: bigint } = {}): APIRole {
    const role = this.state.addRole(guildId, opts);
    this.gateway.dispatch("GUILD_ROLE_CREATE", { guild_id: guildId, role });
    return role;
  }

  /**
   * Sets what the bot may do guild-wide (`channelId` null: its managed role) or in one channel (a member
   * overwrite). Defaults: view, send, embed, attach, read history, add reactions; no Manage Messages.
   * Connected clients get GUILD_ROLE_UPDATE / CHANNEL_UPDATE so their own permission checks agree.
   */
  setBotPermissions(guildId: string, channelId: string | null, permissions: bigint): void {
    if (channelId === null) {
      const role = this.state.setBotGuildPermissions(guildId, permissions);
      this.gateway.dispatch("GUILD_ROLE_UPDATE", { guild_id: guildId, role });
      return;
    }
    const channel = this.state.requireChannel(channelId);
    if (channel.guildId !== guildId) throw new Error(`Channel ${channelId} is not in guild ${guildId}`);
    channel.botPermissions = permissions;
    this.gateway.dispatch("CHANNEL_UPDATE", toApiChannel(this.state, channel));
  }

  /**
   * Stores bytes on the fake CDN as a user upload would be, for a command's ATTACHMENT option. Width and
   * height are read from PNG bytes when not given; `url` overrides the URL (e.g. a non-Discord host).
   */
  addAttachment(bytes: Buffer, opts: { filename?: string; contentType?: string; width?: number; height?: number; url?: string } = {}): APIAttachment {
    return storeAttachment(this.ctx, bytes, {
      filename: opts.filename ?? "image.png",
      contentType: opts.contentType ?? "image/png",
      folder: `ephemeral-attachments/${this.applicationId}`,
      ephemeral: true,
      width: opts.width,
      height: opts.height,
      url: opts.url,
    });
  }

  // ── driving the bot ────────────────────────────────────────────────────────────────────────────────

  /** Dispatches INTERACTION_CREATE for a chat-input command, as Discord does when a user runs it. */
  sendSlashCommand(opts: SlashCommandInput): FakeInteraction {
    return this.startInteraction(buildSlashCommand(this.ctx, opts));
  }

  /**
   * Dispatches an APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) while a user types: the options so far, the
   * one being typed marked `focused: true`. The bot answers with callback type 8 (`data.choices`, at most 25).
   */
  sendAutocomplete(opts: SlashCommandInput): FakeInteraction {
    const built = buildSlashCommand(this.ctx, opts);
    built.record.interactionType = 4;
    return this.startInteraction({ ...built, payload: { ...built.payload, type: 4 } as typeof built.payload });
  }

  /** Dispatches INTERACTION_CREATE for a message context-menu command used on `targetMessageId`. */
  sendMessageCommand(opts: MessageCommandInput): FakeInteraction {
    return this.startInteraction(buildMessageCommand(this.ctx, opts));
  }

  /**
   * The user fills in and submits the modal the bot answered interaction `interactionId` with (callback type 9):
   * dispatches a MODAL_SUBMIT interaction (type 5) carrying every input's value (`values` by input custom id; others
   * keep their prefilled value). Throws when that interaction was not answered with a modal, or a value breaks the
   * input's rules (as the Discord client refuses to send it).
   */
  submitModal(opts: { interactionId: string; values?: Record<string, string> }): FakeInteraction {
    const opener = this.state.interactions.get(opts.interactionId);
    if (!opener?.modal) throw new Error(`Interaction ${opts.interactionId} was not answered with a modal`);
    return this.startInteraction(buildModalSubmit(this.ctx, opener, modalSubmission(opener.modal, opts.values ?? {})));
  }

  /** A user reacts: stores the reaction and dispatches MESSAGE_REACTION_ADD (a no-op if already there). */
  addReaction(opts: { guildId: string; channelId: string; messageId: string; userId: string; emoji: string }): void {
    const record = this.state.messages.get(opts.messageId);
    if (!record || record.message.channel_id !== opts.channelId || record.guildId !== opts.guildId) {
      throw new Error(`Unknown message ${opts.messageId} in channel ${opts.channelId}`);
    }
    if (!this.state.requireGuild(opts.guildId).members.has(opts.userId)) this.addMember(opts.guildId, opts.userId);
    addReaction(this.ctx, record, opts.userId, parseEmoji(opts.emoji));
  }

  /**
   * Stores a message posted by a user (not through REST) and dispatches MESSAGE_CREATE, e.g. as the target
   * of a context-menu command or of reactions.
   */
  addUserMessage(opts: { channelId: string; userId: string; content?: string; attachments?: APIAttachment[] }): FakeMessage {
    const channel = this.state.requireChannel(opts.channelId);
    const guild = this.state.requireGuild(channel.guildId);
    if (!guild.members.has(opts.userId)) this.addMember(guild.id, opts.userId);
    const record = {
      message: {
        id: nextSnowflake(),
        channel_id: channel.id,
        author: this.state.requireUser(opts.userId),
        content: opts.content ?? "",
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: opts.attachments ?? [],
        embeds: [],
        components: [],
        pinned: false,
        type: 0,
        flags: 0,
      },
      guildId: guild.id,
      ephemeral: false,
      reactions: new Map(),
    };
    this.state.storeMessage(record);
    const { user: _user, ...member } = toApiMember(this.state, guild, opts.userId);
    this.gateway.dispatch("MESSAGE_CREATE", { ...record.message, guild_id: guild.id, member });
    return toApiMessage(this.state, record);
  }

  // ── observing ──────────────────────────────────────────────────────────────────────────────────────

  /** Every HTTP request answered so far, in order. */
  get calls(): RecordedCall[] {
    return this.recorder.calls;
  }

  /** Resolves with the first call (past or future) that matches. @default timeoutMs 5000 */
  waitForCall(pred: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall> {
    return this.recorder.waitFor(pred, timeoutMs);
  }

  /** A channel's messages, oldest first (ephemeral ones are not in channel history). */
  messages(channelId: string): FakeMessage[] {
    return (this.state.channelMessageIds.get(channelId) ?? []).map((id) => toApiMessage(this.state, this.state.messages.get(id)!));
  }

  /** Any stored message by id, ephemeral ones included. */
  message(id: string): FakeMessage | undefined {
    const record = this.state.messages.get(id);
    return record && toApiMessage(this.state, record);
  }

  /** The bytes behind an attachment URL the fake handed out (a CDN URL), or undefined. */
  attachmentBytes(url: string): Buffer | undefined {
    const path = new URL(url).pathname.replace(/^\/(cdn|media)/, "");
    return this.state.files.get(path)?.data;
  }

  /** What the bot did with an interaction: callback type, deferral, ephemerality, reply, followups, edits. */
  interaction(id: string): FakeInteractionState {
    const record = this.state.interactions.get(id);
    if (!record) throw new Error(`Unknown interaction ${id}`);
    const original = record.originalMessageId ? this.message(record.originalMessageId) : undefined;
    return {
      id: record.id,
      token: record.token,
      callbackType: record.callbackType,
      acknowledged: record.callbackType !== undefined,
      deferred: record.callbackType === 5 || record.callbackType === 6,
      ephemeral: (record.flags & (1 << 6)) !== 0,
      flags: record.flags,
      reply: original,
      followups: record.followupIds.map((fid) => this.message(fid)).filter((m): m is FakeMessage => m !== undefined),
      edits: record.edits.map((edit) => ({ ...edit })),
      expired: record.expired,
      ...(record.modal ? { modal: structuredClone(record.modal) } : {}),
    };
  }

  /** emoji (`🔁` or `name:id`) → ids of the users who reacted with it. */
  reactions(messageId: string): Map<string, Set<string>> {
    const record = this.state.messages.get(messageId);
    return new Map([...(record?.reactions ?? new Map()).entries()].map(([key, reaction]) => [key, new Set(reaction.userIds)]));
  }

  // ── faults and time ────────────────────────────────────────────────────────────────────────────────

  /** The next matching REST call(s) get this status instead of an answer (429 with `retry_after`). */
  failNext(match: FaultMatch, status: FaultStatus, opts?: FaultOptions): void {
    this.faults.failNext(match, status, opts);
  }

  /** Matching requests get no answer until {@link releaseStalls}: a route of Discord's that hangs. */
  stall(match: FaultMatch): void {
    this.faults.stall(match);
  }

  releaseStalls(): void {
    this.faults.releaseStalls();
  }

  /** 429s the fake's rate limits answered (injected ones not included). */
  get rateLimitedCount(): number {
    return this.rateLimiter.rateLimited;
  }

  /**
   * 401, 403 and 429 answers in the last 10 minutes: Discord (Cloudflare) bans the IP at 10,000
   * ({@link INVALID_REQUEST_BAN_THRESHOLD}).
   */
  get invalidRequestCount(): number {
    return this.rateLimiter.invalidRequests;
  }

  /** Turns the per-route and global limits on or off (headers are sent either way). */
  setRateLimits(on: boolean): void {
    this.rateLimitsOn = on;
  }

  /** As if a few minutes had passed: `enforce_nonce` no longer finds the messages sent so far. */
  expireNonces(): void {
    this.nonces.expireAll();
  }

  /** As if 15 minutes had passed: callback and webhook calls with this token get 401 50027. */
  expireInteractionToken(interactionToken: string): void {
    this.faults.expiredTokens.add(interactionToken);
    const record = this.state.interactionsByToken.get(interactionToken);
    if (record) record.expired = true;
  }

  /**
   * Closes the gateway connections. The default code 4000 (unknown error) makes discord.js RESUME; 1000
   * makes it IDENTIFY again; `invalidateSession` answers the RESUME with op 9.
   */
  dropGateway(opts: { code?: number; invalidateSession?: boolean } = {}): void {
    this.gateway.drop(opts.code ?? 4000, opts.invalidateSession ?? false);
  }

  /** IDENTIFYs accepted (each starts a new session). */
  get identifyCount(): number {
    return this.gateway.identifyCount;
  }

  /** Successful RESUMEs (answered with RESUMED, not op 9). */
  get resumeCount(): number {
    return this.gateway.resumeCount;
  }

  /** Sends a raw dispatch to every session, unfiltered by intents. */
  dispatch(t: string, d: unknown): void {
    this.gateway.dispatch(t, d, false);
  }

  private startInteraction({ record, payload }: ReturnType<typeof buildSlashCommand>): FakeInteraction {
    this.state.interactions.set(record.id, record);
    this.state.interactionsByToken.set(record.token, record);
    this.gateway.dispatch("INTERACTION_CREATE", payload);
    return { id: record.id, token: record.token, applicationId: this.applicationId, guildId: record.guildId, channelId: record.channelId, payload };
  }
}
