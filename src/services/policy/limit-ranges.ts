// The allowed range of every per-server limit, and the validation `/limits set` runs before storing a change.
// docs/limits.md documents the same ranges; test/services/policy-limit-ranges.test.ts keeps the two in step.

import { isValidTimeZone } from "../../db/quota-day.ts";
import type { GuildLimits, NsfwPolicy, RerollBy } from "../../db/types.ts";
import { MODEL_NAME } from "../../models/model-reference.ts";
import { parseResultReactions } from "../result-palette.ts";
import { findControlCharacter } from "./control-characters.ts";
import { formatCount } from "./format-count.ts";

/** An inclusive whole-number range. */
export interface IntegerRange {
  min: number;
  max: number;
  /** Values must also be multiples of this. */
  multipleOf?: number;
}

export const DAILY_IMAGES_RANGE: IntegerRange = Object.freeze({ min: 0, max: 10_000 });
export const MAX_QUEUED_RANGE: IntegerRange = Object.freeze({ min: 1, max: 20 });
export const COOLDOWN_SECONDS_RANGE: IntegerRange = Object.freeze({ min: 0, max: 86_400 });
export const MAX_STEPS_RANGE: IntegerRange = Object.freeze({ min: 1, max: 150 });
/** Multiples of 64 keep SD 1.5's latents (side / 8) divisible by the UNet's downsampling. */
export const MAX_SIDE_RANGE: IntegerRange = Object.freeze({ min: 256, max: 2048, multipleOf: 64 });
/** Images one /txt2img or /img2img makes (`count`): a grid of up to 2×2; each counts against the quota. */
export const IMAGE_COUNT_RANGE: IntegerRange = Object.freeze({ min: 1, max: 4 });
/**
 * The img2img strengths members may ask for (`/img2img strength`, 🔼 / 🔽): above 0 (diffusers refuses 0) and at most
 * 1 (the input fully noised). Not an integer range: strengths are fractions.
 */
export const STRENGTH_RANGE = Object.freeze({ min: 0.05, max: 1 });
/** A role's daily quota override (besides null, unlimited). */
export const ROLE_QUOTA_RANGE: IntegerRange = DAILY_IMAGES_RANGE;

export const MAX_BLOCKED_WORDS = 200;
/** In characters (code points), per word or phrase. */
export const MAX_BLOCKED_WORD_LENGTH = 64;
export const MAX_ALLOWED_CHANNELS = 100;
export const MAX_MANAGER_ROLES = 25;

export const REROLL_BY_VALUES: readonly RerollBy[] = Object.freeze(["requester", "anyone"]);
export const NSFW_POLICY_VALUES: readonly NsfwPolicy[] = Object.freeze(["block", "spoiler", "nsfw-channels"]);

/** What each limit is called in messages (and in `/limits show`). */
export const LIMIT_LABELS: Readonly<Record<keyof GuildLimits, string>> = Object.freeze({
  dailyImagesPerUser: "Images per member per day",
  maxQueuedPerUser: "Waiting jobs per member",
  cooldownSeconds: "Cooldown between requests (seconds)",
  maxSteps: "Max steps",
  maxSide: "Max output side (pixels)",
  allowedChannelIds: "Allowed channels",
  rerollBy: "Who may reroll",
  blockedWords: "Blocked words",
  spoilerOutsideNsfw: "Spoilers outside age-restricted channels",
  timeZone: "Time zone",
  managerRoleIds: "Bot manager roles",
  nsfwPolicy: "Images the safety checker flags",
  defaultModel: "Default model",
  resultReactions: "Reactions under results",
  livePreview: "Live preview while generating",
  maxImagesPerRequest: "Images per request (grid)",
});

/** Discord ids are snowflakes: 17 to 20 decimal digits. */
const SNOWFLAKE = /^\d{17,20}$/;

export type LimitPatchValidation = { ok: true; value: Partial<GuildLimits> } | { ok: false; message: string };

/**
 * Checks a change to a server's limits before it is stored. Every problem is reported (one line each), and
 * each line names the limit and its allowed range. The value returned is normalized: a time zone in its
 * canonical spelling, blocked words trimmed with blanks and case-insensitive duplicates removed, id lists
 * without duplicates; keys whose value is undefined are dropped.
 *
 * @example validateLimitPatch({ maxSteps: 500 })
 * // { ok: false, message: "Max steps (maxSteps) must be a whole number from 1 to 150; got 500." }
 */
export function validateLimitPatch(patch: Partial<GuildLimits>): LimitPatchValidation {
  const value: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(patch)) {
    if (raw === undefined) continue;
    if (!Object.hasOwn(LIMIT_LABELS, key)) {
      problems.push(`There is no limit called \`${key}\`.`);
      continue;
    }
    const checked = VALIDATORS[key as keyof GuildLimits](raw);
    if (checked.ok) value[key] = checked.value;
    else problems.push(`${LIMIT_LABELS[key as keyof GuildLimits]} (${key}) ${checked.problem}`);
  }
  return problems.length === 0
    ? { ok: true, value: value as Partial<GuildLimits> }
    : { ok: false, message: problems.join("\n") };
}

/**
 * Checks a role's daily quota override: a whole number in {@link ROLE_QUOTA_RANGE}, or null for unlimited.
 */
export function validateRoleQuota(
  dailyLimit: number | null,
): { ok: true; value: number | null } | { ok: false; message: string } {
  if (dailyLimit === null) return { ok: true, value: null };
  const checked = integerIn(ROLE_QUOTA_RANGE)(dailyLimit);
  if (checked.ok) return checked;
  return {
    ok: false,
    message: `A role's daily image quota must be ${describeRange(ROLE_QUOTA_RANGE)}, or unlimited; got ${show(dailyLimit)}.`,
  };
}

/** A range as messages and docs say it: "a whole number from 0 to 10,000", "a multiple of 64 from 256 to 2,048". */
export function describeRange(range: IntegerRange): string {
  const kind = range.multipleOf ? `a multiple of ${range.multipleOf}` : "a whole number";
  return `${kind} from ${formatCount(range.min)} to ${formatCount(range.max)}`;
}

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
type Validator<T> = (raw: unknown) => Checked<T>;

const VALIDATORS: { [K in keyof GuildLimits]: Validator<GuildLimits[K]> } = {
  dailyImagesPerUser: integerIn(DAILY_IMAGES_RANGE),
  maxQueuedPerUser: integerIn(MAX_QUEUED_RANGE),
  cooldownSeconds: integerIn(COOLDOWN_SECONDS_RANGE),
  maxSteps: integerIn(MAX_STEPS_RANGE),
  maxImagesPerRequest: integerIn(IMAGE_COUNT_RANGE),
  maxSide: integerIn(MAX_SIDE_RANGE),
  allowedChannelIds: idList("channel", MAX_ALLOWED_CHANNELS),
  managerRoleIds: idList("role", MAX_MANAGER_ROLES),
  rerollBy: (raw) =>
    REROLL_BY_VALUES.includes(raw as RerollBy)
      ? { ok: true, value: raw as RerollBy }
      : { ok: false, problem: `must be ${REROLL_BY_VALUES.map((v) => `"${v}"`).join(" or ")}; got ${show(raw)}.` },
  spoilerOutsideNsfw: (raw) =>
    typeof raw === "boolean" ? { ok: true, value: raw } : { ok: false, problem: `must be true or false; got ${show(raw)}.` },
  timeZone: checkTimeZone,
  blockedWords: checkBlockedWords,
  nsfwPolicy: (raw) =>
    NSFW_POLICY_VALUES.includes(raw as NsfwPolicy)
      ? { ok: true, value: raw as NsfwPolicy }
      : { ok: false, problem: `must be ${NSFW_POLICY_VALUES.map((v) => `"${v}"`).join(", ")}; got ${show(raw)}.` },
  // Whether the model is installed is checked by whoever knows the installed models; here only its shape.
  defaultModel: (raw) =>
    raw === "" || (typeof raw === "string" && MODEL_NAME.test(raw))
      ? { ok: true, value: raw }
      : { ok: false, problem: `must be the name of an installed model (as \`npm run models -- list\` shows it); got ${show(raw)}.` },
  resultReactions: (raw) => {
    const parsed = parseResultReactions(raw);
    return parsed.ok ? { ok: true, value: parsed.stored } : parsed;
  },
  livePreview: (raw) =>
    typeof raw === "boolean" ? { ok: true, value: raw } : { ok: false, problem: `must be true or false; got ${show(raw)}.` },
};

function integerIn(range: IntegerRange): Validator<number> {
  return (raw) => {
    const ok =
      typeof raw === "number" &&
      Number.isInteger(raw) &&
      raw >= range.min &&
      raw <= range.max &&
      (!range.multipleOf || raw % range.multipleOf === 0);
    return ok ? { ok: true, value: raw } : { ok: false, problem: `must be ${describeRange(range)}; got ${show(raw)}.` };
  };
}

function idList(kind: "channel" | "role", max: number): Validator<string[]> {
  return (raw) => {
    if (!Array.isArray(raw)) return { ok: false, problem: `must be a list of ${kind}s; got ${show(raw)}.` };
    const ids = [...new Set(raw)];
    const bad = ids.find((id) => typeof id !== "string" || !SNOWFLAKE.test(id));
    if (bad !== undefined) return { ok: false, problem: `must list ${kind} ids (17 to 20 digits); got ${show(bad)}.` };
    if (ids.length > max) return { ok: false, problem: `may list at most ${max} ${kind}s; got ${ids.length}.` };
    return { ok: true, value: ids as string[] };
  };
}

function checkTimeZone(raw: unknown): Checked<string> {
  const problem = `must be an IANA time zone such as "UTC", "Europe/Paris" or "America/New_York"; got ${show(raw)}.`;
  // Intl also takes offsets such as "+01:00" on newer runtimes: they ignore daylight saving, so refuse them.
  if (typeof raw !== "string" || !/^[A-Za-z]/.test(raw) || !isValidTimeZone(raw)) return { ok: false, problem };
  return { ok: true, value: new Intl.DateTimeFormat("en-US", { timeZone: raw }).resolvedOptions().timeZone };
}

function checkBlockedWords(raw: unknown): Checked<string[]> {
  const range = `at most ${MAX_BLOCKED_WORDS} words or phrases of at most ${MAX_BLOCKED_WORD_LENGTH} characters`;
  if (!Array.isArray(raw)) return { ok: false, problem: `must be a list of ${range}; got ${show(raw)}.` };
  const words: string[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    if (typeof entry !== "string") return { ok: false, problem: `must be a list of ${range}; got ${show(entry)}.` };
    const word = entry.trim();
    if (word === "") continue;
    if ([...word].length > MAX_BLOCKED_WORD_LENGTH) {
      return { ok: false, problem: `must be ${range}; ${show(word)} is ${[...word].length} characters long.` };
    }
    const control = findControlCharacter(word);
    if (control) {
      return { ok: false, problem: `may not contain a ${control.name} (${control.codePoint}); ${show(word)} does.` };
    }
    const key = word.normalize("NFKC").toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    words.push(word);
  }
  if (words.length > MAX_BLOCKED_WORDS) return { ok: false, problem: `must be ${range}; got ${words.length} words.` };
  return { ok: true, value: words };
}

/** A value as a message shows it: strings quoted and cut short, so a hostile value cannot flood the reply. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "nothing";
  return typeof value === "object" ? "an object" : String(value);
}
