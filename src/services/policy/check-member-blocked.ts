import type { MemberState } from "../../db/types.ts";
import { ALLOWED, refuse, type GuardResult } from "./refusal.ts";

/**
 * Refuses a member the server's admins blocked, before any work (the reservation checks again, in its
 * transaction). The admins' reason, when they gave one, is shown to the member.
 */
export function checkMemberNotBlocked(member: Pick<MemberState, "blocked" | "blockedReason">): GuardResult {
  if (!member.blocked) return ALLOWED;
  const reason = member.blockedReason?.trim();
  const because = reason ? ` Reason: ${reason}` : "";
  return refuse("blocked-user", `You've been blocked from requesting images on this server.${because}`);
}
