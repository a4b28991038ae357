// Plain shapes the repositories in src/db return; the rest of the app never sees Prisma's types.

/** "upscale": the parent's result (the stored input) enlarged ×2 with Lanczos and refined by img2img, in tiles when large. */
export type GenerationKind = "img2img" | "txt2img" | "upscale";
/** "stored": a fleet worker stored the result; a bot process has yet to post it (src/db/stored-results.ts). */
export type GenerationStatus = "queued" | "running" | "stored" | "done" | "failed" | "cancelled";

/** Statuses of a job still to be (or being) worked on: resumed after a restart. */
export const UNFINISHED_STATUSES = ["queued", "running"] as const satisfies readonly GenerationStatus[];

/** What a user asked for: everything needed to run (or rerun) the job. */
export interface GenerationRequest {
  guildId: string;
  channelId: string;
  userId: string;
  kind: GenerationKind;
  prompt: string;
  negativePrompt: string;
  /** img2img only. */
  strength: number | null;
  steps: number;
  guidance: number;
  scheduler: string;
  width: number;
  height: number;
  /** Unsigned 64-bit. */
  seed: bigint;
  /** Content hash of the stored normalized input image (img2img). */
  inputHash: string | null;
  model: string;
  interactionId?: string | null;
  /** Lets a restarted bot edit the reply within 15 minutes; cleared when the job finishes. */
  interactionToken?: string | null;
  /** The generation this one rerolls. */
  parentId?: number | null;
  /** Images the job makes (a grid when more than 1, seeds seed … seed + n − 1); the quota counts images. @default 1 */
  imageCount?: number;
  /** The image of the parent grid this row posts alone (a pick, 0-based); null otherwise. */
  gridIndex?: number | null;
  /** A1111's variation seed, blended into the seed's noise (a 🔀 variation); null = none. */
  variationSeed?: bigint | null;
  /** How much of the variation seed's noise is blended in (0–1), with `variationSeed`. */
  variationStrength?: number | null;
}

/** A stored generation. */
export interface GenerationRecord extends Required<GenerationRequest> {
  id: number;
  status: GenerationStatus;
  error: string | null;
  statusMessageId: string | null;
  resultMessageId: string | null;
  /** "YYYY-MM-DD" in the server's time zone when it was queued. */
  quotaDay: string;
  /** Counts against the daily quota; false once refunded. */
  charged: boolean;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  queueMs: number | null;
  runMs: number | null;
  /** Average milliseconds per denoising step. */
  stepMs: number | null;
}

/** The limits a reservation is checked against, resolved by the caller from settings, roles and the clock. */
export interface QuotaRules {
  /** Images per day for this member (the most generous of their roles or the server's default); null = unlimited. */
  dailyLimit: number | null;
  /** Today in the server's time zone, "YYYY-MM-DD" (see quotaDay()). */
  day: string;
  /** Jobs this member may have queued or running at once in this server. */
  maxQueued: number;
  /**
   * Jobs this member may have waiting (queued, not yet running) across every server the bot is in: the bot's own
   * cap, so one member cannot fill the shared queue from many servers.
   */
  maxWaitingEverywhere: number;
  /** Minimum time between two requests of this member; 0 = none. */
  cooldownMs: number;
  now: Date;
  /** When the quota day ends, returned as `retryAt` on a "quota" refusal. */
  resetsAt?: Date;
}

export type ReservationRefusal = "quota" | "queue-cap" | "global-queue-cap" | "cooldown" | "blocked";

export type ReservationResult =
  | { ok: true; generation: GenerationRecord }
  | { ok: false; reason: ReservationRefusal; retryAt?: Date; used?: number; limit?: number; /** Images a refused grid asked for (absent for one). */ asked?: number };

/** How long a finished run took. */
export interface GenerationTimings {
  runMs: number;
  /** Average per denoising step. */
  stepMs: number | null;
  /** @default now */
  finishedAt?: Date;
}

export type RerollBy = "requester" | "anyone";

/**
 * What an image the model's safety checker flags gets: not posted (the member is told, the quota refunded), posted
 * as a spoiler, or posted as is in age-restricted channels only (blocked elsewhere).
 */
export type NsfwPolicy = "block" | "spoiler" | "nsfw-channels";

/** A server's limits (what `/limits set` changes). */
export interface GuildLimits {
  dailyImagesPerUser: number;
  maxQueuedPerUser: number;
  cooldownSeconds: number;
  maxSteps: number;
  maxSide: number;
  /** Empty = every channel. */
  allowedChannelIds: string[];
  rerollBy: RerollBy;
  blockedWords: string[];
  spoilerOutsideNsfw: boolean;
  /** IANA time zone that decides when a quota day starts. */
  timeZone: string;
  /** Members with any of these roles may change limits, besides those with Manage Server. */
  managerRoleIds: string[];
  /** What an image the safety checker flags gets (only models with a safety checker flag anything). */
  nsfwPolicy: NsfwPolicy;
  /** The installed model (its name in `models list`) used when a request names none; "" = the bot's own default. */
  defaultModel: string;
  /** Reactions the bot adds under results: "all", "none", or action names separated by spaces (src/services/result-palette.ts). */
  resultReactions: string;
  /** Whether status messages show a preview of the image as it forms. */
  livePreview: boolean;
  /** The most images one /txt2img or /img2img may make (its `count`, a grid). */
  maxImagesPerRequest: number;
}

export interface GuildSettingsRecord extends GuildLimits {
  guildId: string;
  /** null while the server uses the defaults. */
  updatedAt: Date | null;
  updatedBy: string | null;
}

export interface RoleQuotaRecord {
  guildId: string;
  roleId: string;
  /** null = unlimited. */
  dailyLimit: number | null;
}

export interface MemberState {
  guildId: string;
  userId: string;
  blocked: boolean;
  blockedReason: string | null;
  /** Generations queued before this instant do not count against the quota. */
  usageResetAt: Date | null;
}
