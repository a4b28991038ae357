// The request policy: pure, Discord-free guards applied before a job is queued and before quota is charged.
export { ALLOWED, refuse, type GuardResult, type Refusal, type RefusalReason } from "./refusal.ts";
export { discordTimestamp, type TimestampStyle } from "./discord-timestamp.ts";
export { checkChannel } from "./check-channel.ts";
export { MAX_PROMPT_LENGTH, checkPrompt, type PromptTexts } from "./check-prompt.ts";
export { findControlCharacter, type ControlCharacter } from "./control-characters.ts";
export { compileBlockedWords, findBlockedWord, type BlockedWordMatcher } from "./blocked-words.ts";
export { MIN_IMAGE_SIDE, checkGenerationLimits, type GenerationSize } from "./check-generation-limits.ts";
export { checkMemberNotBlocked } from "./check-member-blocked.ts";
export { checkImageRequest, type ImageRequestFacts } from "./check-request.ts";
export { MAX_WAITING_EVERYWHERE, resolveDailyLimit, resolveQuotaRules } from "./quota-rules.ts";
export { reservationRefusal, reservationRefusalMessage } from "./refusal-message.ts";
export {
  ADMINISTRATOR,
  MANAGE_GUILD,
  canManage,
  canReroll,
  checkManager,
  checkReroll,
  type ManagerCandidate,
  type RerollAttempt,
} from "./check-manager.ts";
export { shouldSpoiler } from "./spoiler.ts";
export { flaggedImageAction, type FlaggedImageAction } from "./flagged-image.ts";
export {
  COOLDOWN_SECONDS_RANGE,
  DAILY_IMAGES_RANGE,
  IMAGE_COUNT_RANGE,
  LIMIT_LABELS,
  MAX_ALLOWED_CHANNELS,
  MAX_BLOCKED_WORDS,
  MAX_BLOCKED_WORD_LENGTH,
  MAX_MANAGER_ROLES,
  MAX_QUEUED_RANGE,
  MAX_SIDE_RANGE,
  MAX_STEPS_RANGE,
  NSFW_POLICY_VALUES,
  REROLL_BY_VALUES,
  ROLE_QUOTA_RANGE,
  describeRange,
  validateLimitPatch,
  validateRoleQuota,
  type IntegerRange,
  type LimitPatchValidation,
} from "./limit-ranges.ts";
