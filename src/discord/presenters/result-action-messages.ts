import type { GenerationRecord } from "../../db/types.ts";
import { RESULT_EMOJI, type ResultAction } from "../../services/result-palette.ts";

/** The status message of a job a reaction queued: what it is, of which result, and under which number. */
export function actionQueuedContent(action: ResultAction, parent: GenerationRecord, job: GenerationRecord): string {
  const emoji = RESULT_EMOJI[action];
  switch (action) {
    case "reroll":
      return `${emoji} Reroll of #${parent.id} queued as #${job.id}…`;
    case "variation":
      return `${emoji} Variation of #${parent.id} (variation seed ${job.variationSeed}, strength ${job.variationStrength}) queued as #${job.id}…`;
    case "stronger":
    case "weaker":
      return `${emoji} #${parent.id} at strength ${job.strength} (was ${parent.strength}) queued as #${job.id}…`;
    case "upscale":
      return `${emoji} Upscale of #${parent.id} to ${job.width}×${job.height} queued as #${job.id}…`;
  }
}
