import type { ReservationRefusal, ReservationResult } from "../../db/types.ts";
import { discordTimestamp } from "./discord-timestamp.ts";
import { formatCount, plural } from "./format-count.ts";
import { refuse, type Refusal, type RefusalReason } from "./refusal.ts";

type RefusedReservation = ReservationResult & { ok: false };

const REASONS: Record<ReservationRefusal, RefusalReason> = {
  quota: "quota",
  "queue-cap": "queue-cap",
  "global-queue-cap": "global-queue-cap",
  cooldown: "cooldown",
  blocked: "blocked-user",
};

/**
 * What to tell a member whose reservation the database refused: why, and when they can try again
 * (as Discord timestamps, which each reader sees in their own time zone).
 *
 * @example
 * reservationRefusalMessage({ ok: false, reason: "quota", used: 25, limit: 25, retryAt }, now)
 * // "You've used 25 of 25 images today; your quota resets <t:1714608000:R>."
 */
export function reservationRefusalMessage(result: RefusedReservation, now: Date): string {
  const { retryAt } = result;
  switch (result.reason) {
    case "quota": {
      const resets = retryAt ? `; your quota resets ${discordTimestamp(retryAt)}` : "";
      if (result.limit === 0) return `Your daily image quota on this server is 0${resets}.`;
      if (result.asked !== undefined && result.used !== undefined && result.limit !== undefined && result.used < result.limit) {
        const left = plural(result.limit - result.used, "image");
        return `That asks for ${formatCount(result.asked)} images, but you have ${left} left of ${formatCount(result.limit)} today; ask for fewer${resets}.`;
      }
      if (result.used !== undefined && result.limit !== undefined) {
        return `You've used ${formatCount(result.used)} of ${plural(result.limit, "image")} today${resets}.`;
      }
      return `You've reached your daily image quota${resets}.`;
    }
    case "queue-cap": {
      const waiting = result.limit !== undefined ? plural(result.limit, "job") : "as many jobs as allowed";
      return `You already have ${waiting} waiting or running, the most this server allows. Try again when one finishes.`;
    }
    case "global-queue-cap": {
      const waiting = result.limit !== undefined ? plural(result.limit, "job") : "as many jobs as allowed";
      return `You already have ${waiting} waiting across all servers, the most the bot takes from one person. Try again when one of them has started.`;
    }
    case "cooldown": {
      if (!retryAt) return "You're sending requests too quickly. Please wait a moment and try again.";
      const seconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
      const when = `${discordTimestamp(retryAt)} (in ${plural(seconds, "second")})`;
      return `You're sending requests too quickly. You can send the next one ${when}.`;
    }
    case "blocked":
      return "You've been blocked from requesting images on this server.";
  }
}

/** The database's refusal as a guard refusal: the reason code, the message and `retryAt`. */
export function reservationRefusal(result: RefusedReservation, now: Date): Refusal {
  return refuse(REASONS[result.reason], reservationRefusalMessage(result, now), result.retryAt);
}
