import type { Attachment } from "discord.js";
import { cropAndResize } from "../inference/image/crop-and-resize.ts";
import { decodeImage } from "../inference/image/decode-image.ts";
import { ImageInputError } from "../inference/image/errors.ts";
import { encodePng } from "../inference/image/png-parameters.ts";
import { fitSize } from "../inference/image/target-size.ts";
import { AttachmentError, downloadAttachment } from "../services/attachment-download.ts";
import type { BotContext } from "./bot-context.ts";
import { UserFacingError } from "./user-facing-error.ts";

/**
 * Downloads an attachment from Discord's CDN, decodes it safely, crops and resizes it to the output size (the
 * input's aspect under `maxPixels`, sides multiples of 64, none over `maxSide`), and stores the normalized PNG by
 * content hash, so rerolls still have it long after the attachment URL expired.
 */
export async function prepareInputImage(
  ctx: BotContext,
  attachment: Attachment,
  limits: { maxPixels: number; maxSide: number },
): Promise<{ inputHash: string; width: number; height: number }> {
  try {
    const bytes = await downloadAttachment(attachment.url, {
      allowedHosts: ctx.config.attachmentHosts,
      allowHttpFor: ctx.config.extraAttachmentHosts,
      maxBytes: ctx.config.maxInputBytes,
      declaredSize: attachment.size,
    });
    const decoded = await decodeImage(bytes, { maxInputPixels: ctx.config.maxInputPixels, maxBytes: ctx.config.maxInputBytes });
    const { width, height } = fitSize(decoded.width, decoded.height, { maxPixels: limits.maxPixels, multiple: 64, maxSide: limits.maxSide });
    const normalized = await encodePng(await cropAndResize(decoded, width, height));
    return { inputHash: await ctx.inputs.put(normalized), width, height };
  } catch (error) {
    if (error instanceof AttachmentError || error instanceof ImageInputError) throw new UserFacingError(error.message);
    throw error;
  }
}
