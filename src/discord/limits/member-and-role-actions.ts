// `/limits` actions on one role's quota or one member: stored beside the server's settings, not in them.

import { blockUser, clearRoleQuota, resetUsage, setRoleQuota, unblockUser } from "../../db/index.ts";
import { findControlCharacter } from "../../services/policy/index.ts";
import { plural } from "../../services/policy/format-count.ts";
import { UserFacingError } from "../user-facing-error.ts";
import type { LimitsActionInput } from "./limits-actions.ts";
import { parseRoleQuotaLimit } from "./parse-limits-input.ts";

/** `/limits role-quota set role limit`: a number of images a day, or unlimited. */
export async function setRoleQuotaOf({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const role = options.getRole("role", true);
  // memberInfo leaves @everyone out of a member's roles: its quota is the server's own limit.
  if (role.id === guildId) throw new UserFacingError("@everyone's quota is the server's limit: use `/limits set daily_images`.");
  const limit = parseRoleQuotaLimit(options.getString("limit", true));
  await setRoleQuota(db, guildId, role.id, limit);
  return `Members with <@&${role.id}> may request ${limit === null ? "unlimited images" : plural(limit, "image")} a day.`;
}

export async function clearRoleQuotaOf({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const role = options.getRole("role", true);
  const had = await clearRoleQuota(db, guildId, role.id);
  return had ? `<@&${role.id}> no longer has its own quota.` : `<@&${role.id}> had no quota of its own.`;
}

/** `/limits user block user [reason]`: the reason is shown to the member when they try. */
export async function blockMember({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const user = options.getUser("user", true);
  const reason = options.getString("reason")?.trim() || null;
  const control = reason === null ? null : findControlCharacter(reason);
  if (control) throw new UserFacingError(`The reason contains a ${control.name} (${control.codePoint}); please remove it.`);
  await blockUser(db, guildId, user.id, reason);
  return `Blocked <@${user.id}> from requesting images${reason ? ` (reason shown to them: ${reason})` : ""}.`;
}

export async function unblockMember({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const user = options.getUser("user", true);
  await unblockUser(db, guildId, user.id);
  return `Unblocked <@${user.id}>: they can request images again.`;
}

/** Forgives today's images: those requested before now no longer count against the member's quota. */
export async function resetMemberUsage({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const user = options.getUser("user", true);
  await resetUsage(db, guildId, user.id);
  return `Reset today's usage of <@${user.id}>: images they requested before now no longer count.`;
}
