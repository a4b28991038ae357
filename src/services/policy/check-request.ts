import type { GuildLimits, MemberState } from "../../db/types.ts";
import { checkChannel } from "./check-channel.ts";
import { checkGenerationLimits, type GenerationSize } from "./check-generation-limits.ts";
import { checkMemberNotBlocked } from "./check-member-blocked.ts";
import { checkPrompt, type PromptTexts } from "./check-prompt.ts";
import { ALLOWED, type GuardResult } from "./refusal.ts";

/** Everything the guards read about one image request. */
export interface ImageRequestFacts extends PromptTexts, GenerationSize {
  settings: GuildLimits;
  member: Pick<MemberState, "blocked" | "blockedReason">;
  channelId: string;
  /** The parent channel when `channelId` is a thread. */
  parentChannelId?: string | null;
}

/**
 * Runs every guard that needs no database write, in the order a member would want to hear about them:
 * channel, blocked member, prompt texts, steps and size. Call it before downloading inputs, queueing or
 * reserving quota; quota, queue cap and cooldown are checked by the reservation itself (see reservationRefusal).
 */
export function checkImageRequest(facts: ImageRequestFacts): GuardResult {
  const guards: Array<() => GuardResult> = [
    () => checkChannel(facts.settings, facts.channelId, facts.parentChannelId),
    () => checkMemberNotBlocked(facts.member),
    () => checkPrompt(facts.settings, facts),
    () => checkGenerationLimits(facts.settings, facts),
  ];
  for (const guard of guards) {
    const result = guard();
    if (!result.ok) return result;
  }
  return ALLOWED;
}
