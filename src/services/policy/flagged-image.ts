import type { NsfwPolicy } from "../../db/types.ts";

/** What happens to an image the safety checker flagged: posted as is, posted as a spoiler, or not posted. */
export type FlaggedImageAction = "post" | "spoiler" | "block";

/**
 * The server's policy for a flagged image, in the channel it would be posted in: "nsfw-channels" posts it as is in
 * age-restricted channels and blocks it everywhere else.
 */
export function flaggedImageAction(policy: NsfwPolicy, channelIsNsfw: boolean): FlaggedImageAction {
  switch (policy) {
    case "spoiler":
      return "spoiler";
    case "nsfw-channels":
      return channelIsNsfw ? "post" : "block";
    case "block":
      return "block";
  }
}
