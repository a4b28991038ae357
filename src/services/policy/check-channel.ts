import type { GuildLimits } from "../../db/types.ts";
import { ALLOWED, refuse, type GuardResult } from "./refusal.ts";

/** How many allowed channels a refusal lists before saying "and N more". */
const LISTED_CHANNELS = 5;

/**
 * Whether images may be requested in `channelId`. An empty list allows every channel. A thread counts as
 * its parent channel, so that allowing a channel allows the threads opened in it.
 *
 * @param parentChannelId the thread's parent channel, when `channelId` is a thread.
 */
export function checkChannel(
  settings: Pick<GuildLimits, "allowedChannelIds">,
  channelId: string,
  parentChannelId?: string | null,
): GuardResult {
  const allowed = settings.allowedChannelIds;
  if (allowed.length === 0) return ALLOWED;
  if (allowed.includes(channelId) || (parentChannelId != null && allowed.includes(parentChannelId))) return ALLOWED;

  const listed = allowed.slice(0, LISTED_CHANNELS).map((id) => `<#${id}>`).join(", ");
  const more = allowed.length > LISTED_CHANNELS ? ` and ${allowed.length - LISTED_CHANNELS} more` : "";
  return refuse("channel", `Images can't be requested in this channel on this server. Try ${listed}${more}.`);
}
