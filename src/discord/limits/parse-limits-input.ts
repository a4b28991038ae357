import { ROLE_QUOTA_RANGE, describeRange, validateRoleQuota } from "../../services/policy/index.ts";
import { UserFacingError } from "../user-facing-error.ts";

const UNLIMITED = /^(unlimited|infinite|∞|no limit)$/i;

/**
 * A role quota as an admin types it: a whole number in ROLE_QUOTA_RANGE, or "unlimited" (null).
 *
 * @throws UserFacingError naming the allowed values.
 * @example parseRoleQuotaLimit("Unlimited") // null
 * @example parseRoleQuotaLimit("40") // 40
 */
export function parseRoleQuotaLimit(text: string): number | null {
  const trimmed = text.trim();
  if (UNLIMITED.test(trimmed)) return null;
  // "10,000" and "10 000" are how people write big numbers.
  const digits = trimmed.replaceAll(/[,_\s]/g, "");
  if (!/^[+-]?\d+$/.test(digits)) {
    const shown = JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 39)}…` : trimmed);
    throw new UserFacingError(`A role's daily image quota must be ${describeRange(ROLE_QUOTA_RANGE)}, or unlimited; got ${shown}.`);
  }
  const checked = validateRoleQuota(Number(digits));
  if (!checked.ok) throw new UserFacingError(checked.message);
  return checked.value;
}

/**
 * Words or phrases given in one option, separated by commas ("cat, big dog"); blanks are dropped.
 * Commas separate because phrases contain spaces.
 */
export function splitWordList(text: string): string[] {
  return text
    .split(",")
    .map((word) => word.trim())
    .filter((word) => word !== "");
}

/** How blocked words compare when removing one: as the validator deduplicates them. */
export function wordKey(word: string): string {
  return word.trim().normalize("NFKC").toLowerCase();
}
