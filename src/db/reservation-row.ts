import { MAX_SEED } from "../inference/index.ts";
import type { GenerationRecord, GenerationRequest, QuotaRules } from "./types.ts";

/** The request's own columns with absent optional values as null, shared by the insert and the returned record. */
export function requestColumns(request: GenerationRequest) {
  return {
    guildId: request.guildId,
    channelId: request.channelId,
    userId: request.userId,
    kind: request.kind,
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    strength: request.strength ?? null,
    steps: request.steps,
    guidance: request.guidance,
    scheduler: request.scheduler,
    width: request.width,
    height: request.height,
    inputHash: request.inputHash ?? null,
    model: request.model,
    interactionId: request.interactionId ?? null,
    interactionToken: request.interactionToken ?? null,
    parentId: request.parentId ?? null,
    imageCount: request.imageCount ?? 1,
    gridIndex: request.gridIndex ?? null,
    variationStrength: request.variationStrength ?? null,
  };
}

/** The variation seed as stored: decimal text like the seed, or null. */
export function storedVariationSeed(request: GenerationRequest): string | null {
  const seed = request.variationSeed ?? null;
  if (seed !== null && (seed < 0n || seed > MAX_SEED)) {
    throw new RangeError(`Expected \`variationSeed\` to be an unsigned 64-bit integer, got \`${seed}\``);
  }
  return seed === null ? null : seed.toString();
}

/** The seed as stored: decimal text (SQLite and PostgreSQL integers are signed). */
export function storedSeed(request: GenerationRequest): string {
  if (request.seed < 0n || request.seed > MAX_SEED) {
    throw new RangeError(`Expected \`seed\` to be an unsigned 64-bit integer, got \`${request.seed}\``);
  }
  return request.seed.toString();
}

/**
 * The record of a row just inserted for `request`, built from the same values rather than read back: a Prisma
 * query would cost more than the whole reservation. Equal, field by field, to what findById returns for it.
 */
export function reservedRecord(id: number, request: GenerationRequest, rules: QuotaRules): GenerationRecord {
  return {
    id,
    ...requestColumns(request),
    seed: request.seed,
    variationSeed: request.variationSeed ?? null,
    status: "queued",
    error: null,
    statusMessageId: null,
    resultMessageId: null,
    quotaDay: rules.day,
    charged: true,
    // Both engines keep milliseconds, so reading the row back gives this same instant.
    queuedAt: new Date(rules.now.getTime()),
    startedAt: null,
    finishedAt: null,
    queueMs: null,
    runMs: null,
    stepMs: null,
  };
}
