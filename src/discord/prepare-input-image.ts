import type { Attachment } from "discord.js";
import { cropAndResize, decodeImage, encodePng, fitSize, ImageInputError } from "../inference/index.ts";
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
  /** An attachment, or an embed's image (its Discord media proxy address), with the size Discord declared if any. */
  attachment: Pick<Attachment, "url"> & { size?: number },
  limits: { maxPixels: number; maxSide: number },
): Promise<{ inputHash: string; width: number; height: number }> {
  try {
    const bytes = await downloadAttachment(attachment.url, {
      allowedHosts: ctx.config.attachmentHosts,
      allowHttpFor: ctx.config.extraAttachmentHosts,
      maxBytes: ctx.config.maxInputBytes,
      declaredSize: attachment.size,
    });
    // The output size is fitted to the source's own size, which a big JPEG then decodes only as large as it needs
    // (shrink-on-load keeps at least twice the target per side: the resize below stays within a level of a full decode).
    let target: { width: number; height: number } | undefined;
    const fitTarget = (w: number, h: number) => (target ??= fitSize(w, h, { maxPixels: limits.maxPixels, multiple: 64, maxSide: limits.maxSide }));
    const decoded = await decodeImage(bytes, { maxInputPixels: ctx.config.maxInputPixels, maxBytes: ctx.config.maxInputBytes, shrinkOnLoadFor: fitTarget });
    const { width, height } = fitTarget(decoded.width, decoded.height);
    const normalized = await encodePng(await cropAndResize(decoded, width, height));
    return { inputHash: await ctx.inputs.put(normalized), width, height };
  } catch (error) {
    if (error instanceof AttachmentError || error instanceof ImageInputError) throw new UserFacingError(error.message);
    throw error;
  }
}
