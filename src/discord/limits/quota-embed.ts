import type { APIEmbed } from "discord.js";
import { discordTimestamp } from "../../services/policy/index.ts";
import { formatCount, plural } from "../../services/policy/format-count.ts";
import type { QuotaStatus } from "./quota-status.ts";

/**
 * What `/quota` shows a member: use today, what is left (and which role decides it), when the quota resets
 * (Discord timestamps, shown in the reader's own time zone), cooldown and waiting-job cap.
 */
export function quotaEmbed(status: QuotaStatus): APIEmbed {
  const via = status.viaRoleId ? `\nfrom your role <@&${status.viaRoleId}>` : "";
  const left =
    status.dailyLimit === null
      ? `unlimited${via}`
      : `${formatCount(Math.max(0, status.dailyLimit - status.used))} of ${formatCount(status.dailyLimit)}${via}`;
  const cooldown =
    status.cooldownSeconds === 0
      ? "none"
      : `${plural(status.cooldownSeconds, "second")} between requests` +
        (status.cooldownEndsAt ? `\nnext request ${discordTimestamp(status.cooldownEndsAt)}` : "");
  return {
    title: "Your image quota on this server",
    ...(status.blocked && {
      description: `⛔ You've been blocked from requesting images on this server.${status.blockedReason ? ` Reason: ${status.blockedReason}` : ""}`,
    }),
    fields: [
      { name: "Used today", value: plural(status.used, "image"), inline: true },
      { name: "Left today", value: left, inline: true },
      {
        name: "Resets",
        value: `${discordTimestamp(status.resetsAt, "R")} (${discordTimestamp(status.resetsAt, "f")})\ndays run on ${status.timeZone} time`,
        inline: true,
      },
      { name: "Cooldown", value: cooldown, inline: true },
      { name: "Waiting or running", value: `${formatCount(status.activeJobs)} of at most ${formatCount(status.maxQueued)}`, inline: true },
    ],
  };
}
