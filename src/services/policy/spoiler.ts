import type { GuildLimits } from "../../db/types.ts";

/** Whether a result is posted as a spoiler: when the server asks for it, in channels that are not age-restricted. */
export function shouldSpoiler(settings: Pick<GuildLimits, "spoilerOutsideNsfw">, channelIsNsfw: boolean): boolean {
  return settings.spoilerOutsideNsfw && !channelIsNsfw;
}
