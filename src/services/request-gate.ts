// The one way in for every request for an image: slash commands, 🔁 rerolls, and whatever comes later (variations,
// upscales, remixes) go through the same settings, member, checks, quota rules, reservation and submission.
// Discord specifics (reading a member, making a status message) are adapted in src/discord/.

import type { Db } from "../db/client.ts";
import { getGuildSettings, getMemberState, listRoleQuotas, setStatusMessage } from "../db/index.ts";
import type { GenerationRecord, GenerationRequest, GuildSettingsRecord } from "../db/types.ts";
import { modelLabel } from "../models/installed-models.ts";
import type { GenerationDefaults } from "../inference/index.ts";
import { chooseModel, type CatalogModel, type ModelCatalog, type ModelChoice } from "./choose-model.ts";
import { FALLBACK_DEFAULTS, withModelDefaults } from "./model-defaults.ts";
import { randomSeed, type GenerationService } from "./generation-service.ts";
import {
  canManage,
  checkGenerationLimits,
  checkImageRequest,
  checkReroll,
  refuse,
  reservationRefusal,
  resolveQuotaRules,
  type GenerationSize,
  type PromptTexts,
  type Refusal,
} from "./policy/index.ts";

/**
 * How long a refusal notice about a message stays up (a reaction cannot be answered privately): the same refusal
 * to the same member on the same message within this time is `repeated`, and is not shown again.
 */
export const REFUSAL_NOTICE_MS = 20_000;

/** Who asks, as the Discord side reads them: the gate's member input. */
export interface MemberFacts {
  /** The member's roles in the request's server (@everyone left out: its rules are the server's own). */
  roleIds: readonly string[];
  /** The member's server permissions (Discord's bitfield). */
  permissions: bigint;
}

/**
 * The member could not be read (Discord did not answer, the member left): nothing may be decided without them. Its
 * message is safe to show.
 */
export class MemberUnavailableError extends Error {
  override readonly name = "MemberUnavailableError";
  constructor(cause?: unknown) {
    super("I could not check your roles on this server (Discord did not answer).", { cause });
  }
}

/** One request for an image, from any source. */
export interface ImageRequest {
  guildId: string;
  channelId: string;
  /** The parent channel when `channelId` is a thread (allowing a channel allows its threads). */
  parentChannelId?: string | null;
  /** Who asks. */
  userId: string;
  /** Reads the member's roles and permissions; throws MemberUnavailableError when it cannot (the gate then refuses, charging nothing). */
  member: () => Promise<MemberFacts>;
  /**
   * What the checks read before any work: the texts, the steps, and the size when known (txt2img, rerolls). Steps
   * left out are the model's default (see {@link withModelDefaults}), which is within the server's limits.
   */
  ask: PromptTexts & Omit<GenerationSize, "steps"> & { steps?: number };
  /** The request remakes someone's earlier result (a reroll, a variation): the server's reroll rule applies. */
  derivedFrom?: { requesterId: string };
  /**
   * The message a member can repeat this request on (the result a 🔁 is on). The same refusal to the same member
   * on it within {@link REFUSAL_NOTICE_MS} comes back `repeated`. Leave out for requests that cannot repeat.
   */
  repeatKey?: string;
  /** The model asked for, or a reroll's recorded model (see {@link chooseModel}); the defaults apply when absent. */
  model?: ModelChoice;
}

/** A refusal from the gate; `repeated` says the member was already told (show nothing). */
export type GateRefusal = Refusal & { repeated: boolean };

/** A request that passed the checks that need no work (see {@link RequestGate.precheck}). */
export interface AdmittedRequest {
  readonly request: ImageRequest;
  readonly settings: GuildSettingsRecord;
  readonly member: MemberFacts;
  /** The model it runs on; absent when the gate has no model catalog (the service's own model then). */
  readonly model?: CatalogModel;
  /** The model's own defaults, for the options the member left empty (see {@link withModelDefaults}). */
  readonly defaults: GenerationDefaults;
}

/** What is queued: the stored request's parameters; the place and the member come from the admitted request. */
export type JobParameters = Omit<GenerationRequest, "guildId" | "channelId" | "userId" | "model" | "seed"> & {
  /** @default a random 64-bit seed */
  seed?: bigint;
};

/** Makes the job's status message once it is reserved, and returns its id. */
export type StatusMessageMaker = (generation: GenerationRecord) => Promise<string>;

export type GateSubmission = { ok: true; generation: GenerationRecord; position: number; etaMs: number } | GateRefusal;

export interface RequestGateOptions {
  db: Db;
  /** Reserves and queues (the GenerationService). */
  generations: Pick<GenerationService, "submit">;
  /** The installed models: which one a request runs on. @default every request runs on the service's model */
  models?: ModelCatalog;
  /**
   * A model's own defaults (its family's, read from its folder without loading it, or from what the fleet's workers
   * published; `undefined` model: the service's own model).
   * @default FALLBACK_DEFAULTS when absent or when it cannot tell
   */
  modelDefaults?: (model: CatalogModel | undefined) => Promise<GenerationDefaults | undefined>;
  /** @default REFUSAL_NOTICE_MS */
  repeatWindowMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Every request for an image passes here, in two steps so that a command can refuse before downloading an input:
 * `precheck` (settings, member, channel, blocked member, reroll rule, prompt, steps, size) and `submit` (the final
 * size, quota rules from the member's roles, the reservation with every cap, the status message, the queue).
 *
 * @example
 * const admitted = await gate.precheck({ guildId, channelId, member: () => readMember(), ask: { prompt, steps } });
 * if (!admitted.ok) return tell(admitted.message);
 * const queued = await gate.submit(admitted.admitted, { kind: "txt2img", ... }, (job) => postStatus(job));
 */
export class RequestGate {
  /** `${guild}:${member}:${repeatKey}:${reason}` → when its notice goes away. */
  private readonly told = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: RequestGateOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The checks that need no work: a refused request costs nothing and downloads nothing. */
  async precheck(request: ImageRequest): Promise<{ ok: true; admitted: AdmittedRequest } | GateRefusal> {
    const { db } = this.options;
    const settings = await getGuildSettings(db, request.guildId);
    let member: MemberFacts;
    try {
      member = await request.member();
    } catch (error) {
      if (!(error instanceof MemberUnavailableError)) throw error;
      return this.refusal(request, refuse("member-unavailable", `${error.message} Nothing was queued or charged; please try again.`));
    }
    const state = await getMemberState(db, request.guildId, request.userId);
    if (request.derivedFrom) {
      const isManager = canManage({ memberPermissions: member.permissions, memberRoleIds: member.roleIds, settings });
      const verdict = checkReroll({ settings, requesterId: request.derivedFrom.requesterId, userId: request.userId, isManager });
      if (!verdict.ok) return this.refusal(request, verdict);
    }
    const verdict = checkImageRequest({
      settings,
      member: state,
      channelId: request.channelId,
      parentChannelId: request.parentChannelId ?? null,
      ...request.ask,
      // Empty steps become the model's default, capped at maxSteps: always allowed, and only known once the model is.
      steps: request.ask.steps ?? 1,
    });
    if (!verdict.ok) return this.refusal(request, verdict);
    let model: CatalogModel | undefined;
    if (this.options.models) {
      const chosen = await chooseModel(this.options.models, request.model ?? {}, settings);
      if (!chosen.ok) return this.refusal(request, chosen);
      model = chosen.model;
    }
    const defaults = (await this.options.modelDefaults?.(model)) ?? FALLBACK_DEFAULTS;
    return { ok: true, admitted: { request, settings, member, defaults, ...(model && { model }) } };
  }

  /**
   * Checks the final size, reserves the job with the member's quota rules (every cap, before charging), makes its
   * status message and queues it. A refusal charges and shows nothing.
   */
  async submit(admitted: AdmittedRequest, job: JobParameters, makeStatusMessage: StatusMessageMaker): Promise<GateSubmission> {
    const { db, generations } = this.options;
    const { request, settings, member } = admitted;
    const size = checkGenerationLimits(settings, { steps: job.steps, width: job.width, height: job.height, imageCount: job.imageCount });
    if (!size.ok) return this.refusal(request, size);
    const now = new Date(this.now());
    const rules = resolveQuotaRules(settings, await listRoleQuotas(db, request.guildId), member.roleIds, now);
    const result = await generations.submit(
      {
        ...job,
        seed: job.seed ?? randomSeed(),
        guildId: request.guildId,
        channelId: request.channelId,
        userId: request.userId,
        ...(admitted.model && { model: modelLabel(admitted.model) }),
      },
      rules,
      async (generation) => (await setStatusMessage(db, generation.id, await makeStatusMessage(generation))) ?? generation,
    );
    if (!result.ok) return this.refusal(request, reservationRefusal(result, now));
    return result;
  }

  /** Marks a refusal `repeated` when this member was told the same about the same message a moment ago. */
  private refusal(request: ImageRequest, refusal: Refusal): GateRefusal {
    if (request.repeatKey === undefined) return { ...refusal, repeated: false };
    const now = this.now();
    const key = `${request.guildId}:${request.userId}:${request.repeatKey}:${refusal.reason}`;
    if ((this.told.get(key) ?? 0) > now) return { ...refusal, repeated: true };
    for (const [told, until] of this.told) if (until <= now) this.told.delete(told);
    this.told.set(key, now + (this.options.repeatWindowMs ?? REFUSAL_NOTICE_MS));
    return { ...refusal, repeated: false };
  }
}
