import type { APIEmbed } from "discord.js";
import { SYNTHETIC_MODEL_NAME } from "../../config.ts";
import type { GenerationRecord } from "../../db/types.ts";
import { SAMPLER_LABELS } from "../../inference/index.ts";
import type { DeliveredResult } from "../../services/job-presenter.ts";
import { PICK_EMOJIS } from "./grid-picks.ts";
import { clip, formatDuration, formatEta, progressBar } from "./format.ts";

export const REROLL_EMOJI = "🔁";
export const CANCEL_EMOJI = "❌";

export function queuedContent(position: number, etaMs: number): string {
  const where = position <= 1 ? "You're next" : `Position **${position}** in the queue`;
  return `⏳ ${where}: starts in ${formatEta(etaMs)}. React ${CANCEL_EMOJI} or use \`/cancel\` to cancel.`;
}

export function runningContent(step: number, total: number, etaMs: number): string {
  return `🎨 Generating ${progressBar(step, total)} ${step}/${total} steps, ${formatEta(etaMs)} left. React ${CANCEL_EMOJI} to cancel.`;
}

export function rerollQueuedContent(parent: GenerationRecord, generationId: number): string {
  return `${REROLL_EMOJI} Reroll of #${parent.id} queued as #${generationId}…`;
}

export function failedContent(job: GenerationRecord, message: string): string {
  return `⚠️ <@${job.userId}> generation #${job.id} failed: ${message}`;
}

export function cancelledContent(job: GenerationRecord): string {
  return `🚫 Generation #${job.id} was cancelled.${job.charged ? "" : " It was not counted against your quota."}`;
}

/** The card under a result: everything needed to reproduce it. */
export function resultEmbed(job: GenerationRecord, result: DeliveredResult, filename: string): APIEmbed {
  const fields = [
    { name: job.imageCount > 1 ? "Seeds" : "Seed", value: job.imageCount > 1 ? `\`${result.seed}\` … \`${lastSeedOf(job)}\`` : `\`${result.seed}\``, inline: true },
    ...(job.variationSeed !== null ? [{ name: "Variation seed", value: `\`${job.variationSeed}\` at ${job.variationStrength}`, inline: true }] : []),
    { name: "Steps", value: String(job.steps), inline: true },
    ...(job.kind === "img2img" ? [{ name: "Strength", value: String(job.strength), inline: true }] : []),
    { name: "Guidance", value: String(job.guidance), inline: true },
    { name: "Scheduler", value: (SAMPLER_LABELS as Record<string, string | undefined>)[job.scheduler] ?? job.scheduler, inline: true },
    { name: "Size", value: `${job.width}×${job.height}`, inline: true },
    { name: "Time", value: formatDuration(result.runMs), inline: true },
  ];
  if (job.negativePrompt) fields.push({ name: "Negative prompt", value: clip(job.negativePrompt, 1024), inline: false });
  if (result.warnings.length) fields.push({ name: "Note", value: clip(result.warnings.join("\n"), 1024), inline: false });
  if (job.model === SYNTHETIC_MODEL_NAME) fields.push({ name: "Model", value: "synthetic test model (MODEL=synthetic): random weights, so the image is noise", inline: false });
  return {
    title: job.kind === "upscale" ? `upscale ×2 of #${job.parentId ?? "?"}` : job.kind,
    description: clip(job.prompt, 4000),
    fields,
    image: { url: `attachment://${filename}` },
    footer: { text: resultFooter(job) },
  };
}

/** The seed of a grid's last image (seeds run seed … seed + count − 1, modulo 2^64). */
function lastSeedOf(job: GenerationRecord): bigint {
  return (job.seed + BigInt(job.imageCount - 1)) % 2n ** 64n;
}

/** Where the result comes from and what its reactions do. */
function resultFooter(job: GenerationRecord): string {
  const origin = job.gridIndex !== null && job.parentId ? ` · image ${job.gridIndex + 1} of #${job.parentId}` : job.parentId ? ` · reroll of #${job.parentId}` : "";
  const picks = job.imageCount > 1 ? ` · ${PICK_EMOJIS[0]}–${PICK_EMOJIS[job.imageCount - 1]} posts one alone` : "";
  return `#${job.id}${origin} · React ${REROLL_EMOJI} to reroll with a new seed${picks}`;
}
