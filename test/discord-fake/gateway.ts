import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { randomBytes } from "node:crypto";
import { WebSocket, WebSocketServer } from "ws";
import { intentFor } from "./gateway-intents.ts";

/** Gateway opcodes (discord-api-types `GatewayOpcodes`). */
const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Close codes (discord-api-types `GatewayCloseCodes`). */
const Close = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
} as const;

/** What the gateway needs from the rest of the fake to greet a new session. */
export interface GatewayWorld {
  token: string;
  heartbeatIntervalMs: number;
  resumeUrl: () => string;
  /** The READY `d`, less `session_id` and `resume_gateway_url`, which the gateway adds. */
  readyData: () => Record<string, unknown>;
  /** One GUILD_CREATE `d` per guild, for a session with these intents. */
  guildCreates: (intents: number) => unknown[];
}

interface Session {
  id: string;
  intents: number;
  /** IDENTIFY's `shard: [id, count]`; [0, 1] when not sharded. */
  shard: [number, number];
  seq: number;
  /** Every dispatch sent (or queued while disconnected), replayed on RESUME. */
  log: Array<{ s: number; text: string }>;
  socket: WebSocket | undefined;
  /** Ended sessions cannot be resumed: the client closed with 1000/1001 or a test invalidated them. */
  ended: boolean;
}

/**
 * The fake gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay (or op 9), and
 * dispatches filtered by each session's intents. JSON encoding only, like @discordjs/ws without zlib-sync.
 */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  identifyCount = 0;
  resumeCount = 0;

  constructor(private readonly world: GatewayWorld) {}

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, request));
  }

  /**
   * Sends a dispatch to every live session, queueing it for disconnected ones so a RESUME replays it.
   * With `filter` (the default), sessions without the event's intent skip it, as on Discord.
   */
  dispatch(t: string, d: unknown, filter = true): void {
    const intent = filter ? intentFor(t, d) : undefined;
    const guildId = guildOf(t, d);
    for (const session of this.sessions.values()) {
      if (session.ended) continue;
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      if (guildId !== undefined && !onShard(guildId, session.shard)) continue;
      this.sendDispatch(session, t, d);
    }
  }

  /** Closes every open connection with `code`; with `invalidateSession` a later RESUME gets op 9. */
  drop(code: number, invalidateSession: boolean): void {
    for (const session of this.sessions.values()) {
      if (invalidateSession) session.ended = true;
    }
    for (const ws of this.sockets) ws.close(code, "dropped by the fake");
  }

  /** Whether some identified session is connected right now. */
  get connected(): boolean {
    return [...this.sessions.values()].some((s) => s.socket?.readyState === WebSocket.OPEN);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, request: IncomingMessage): void {
    this.sockets.add(ws);
    let session: Session | undefined;
    ws.on("close", (code) => {
      this.sockets.delete(ws);
      if (session && session.socket === ws) {
        session.socket = undefined;
        // A client that closes normally ends its session, as Discord does.
        if (code === 1000 || code === 1001) session.ended = true;
      }
    });
    const version = new URL(request.url ?? "/", "ws://fake").searchParams.get("v");
    if (version !== null && version !== "10") {
      ws.close(Close.InvalidApiVersion, "Invalid API version");
      return;
    }
    send(ws, { op: Op.Hello, d: { heartbeat_interval: this.world.heartbeatIntervalMs }, s: null, t: null });

    ws.on("message", (raw) => {
      let payload: { op?: number; d?: { token?: unknown; intents?: unknown; session_id?: unknown; seq?: unknown; shard?: unknown } | null };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        ws.close(Close.DecodeError, "Error while decoding payload.");
        return;
      }
      switch (payload.op) {
        case Op.Heartbeat:
          send(ws, { op: Op.HeartbeatAck, d: null, s: null, t: null });
          return;
        case Op.Identify:
          if (session) return ws.close(Close.AlreadyAuthenticated, "Already authenticated.");
          if (payload.d?.token !== this.world.token) return ws.close(Close.AuthenticationFailed, "Authentication failed.");
          {
            const shard = payload.d?.shard ?? [0, 1];
            // Discord: [shard_id, num_shards] with 0 <= shard_id < num_shards, else close 4010.
            if (!Array.isArray(shard) || shard.length !== 2 || !shard.every(Number.isInteger) || !(shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1])) {
              return ws.close(Close.InvalidShard, "Invalid shard.");
            }
            session = this.identify(ws, Number(payload.d?.intents ?? 0), [shard[0], shard[1]]);
          }
          return;
        case Op.Resume: {
          if (session) return ws.close(Close.AlreadyAuthenticated, "Already authenticated.");
          const found = this.sessions.get(String(payload.d?.session_id));
          if (!found || found.ended || payload.d?.token !== this.world.token) {
            send(ws, { op: Op.InvalidSession, d: false, s: null, t: null });
            return;
          }
          session = found;
          this.resume(ws, found, Number(payload.d?.seq ?? 0));
          return;
        }
        case Op.PresenceUpdate:
        case Op.VoiceStateUpdate:
        case Op.RequestGuildMembers:
          if (!session) ws.close(Close.NotAuthenticated, "Not authenticated.");
          return;
        default:
          ws.close(Close.UnknownOpcode, "Unknown opcode.");
      }
    });
  }

  private identify(ws: WebSocket, intents: number, shard: [number, number]): Session {
    this.identifyCount += 1;
    const session: Session = { id: randomBytes(16).toString("hex"), intents, shard, seq: 0, log: [], socket: ws, ended: false };
    this.sessions.set(session.id, session);
    const ready = this.world.readyData();
    // READY lists the shard's own guilds only (as unavailable until their GUILD_CREATE).
    const guilds = Array.isArray(ready.guilds) ? (ready.guilds as Array<{ id: string }>).filter((guild) => onShard(guild.id, shard)) : ready.guilds;
    this.sendDispatch(session, "READY", {
      ...ready,
      guilds,
      session_id: session.id,
      resume_gateway_url: this.world.resumeUrl(),
      shard,
    });
    for (const guild of this.world.guildCreates(intents)) {
      const id = (guild as { id?: string }).id;
      if (id === undefined || onShard(id, shard)) this.sendDispatch(session, "GUILD_CREATE", guild);
    }
    return session;
  }

  private resume(ws: WebSocket, session: Session, seq: number): void {
    this.resumeCount += 1;
    session.socket?.terminate();
    session.socket = ws;
    for (const entry of session.log) {
      if (entry.s > seq) ws.send(entry.text);
    }
    this.sendDispatch(session, "RESUMED", null);
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const text = JSON.stringify({ op: Op.Dispatch, t, s: session.seq, d });
    session.log.push({ s: session.seq, text });
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(text);
  }
}

/** The guild a dispatch belongs to (GUILD_* events carry it as `id` or `guild_id`), if any. */
function guildOf(t: string, d: unknown): string | undefined {
  if (typeof d !== "object" || d === null) return undefined;
  const { guild_id: guildId, id } = d as { guild_id?: unknown; id?: unknown };
  if (typeof guildId === "string") return guildId;
  return (t === "GUILD_CREATE" || t === "GUILD_UPDATE" || t === "GUILD_DELETE") && typeof id === "string" ? id : undefined;
}

/** Discord's sharding formula: a guild's events go to shard `(guild_id >> 22) % num_shards`. */
function onShard(guildId: string, [id, count]: [number, number]): boolean {
  return (BigInt(guildId) >> 22n) % BigInt(count) === BigInt(id);
}

function send(ws: WebSocket, payload: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
}
