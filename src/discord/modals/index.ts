// Modal submissions by custom id prefix: each handler answers its own modals (see ModalHandler).
import { img2imgThisHandler } from "./img2img-this-modal.ts";
import type { ModalHandler } from "./modal-handler.ts";
import { remixHandler } from "./remix-modal.ts";

export type { ModalHandler } from "./modal-handler.ts";

const HANDLERS: readonly ModalHandler[] = [remixHandler, img2imgThisHandler];

/** The handler of a submitted modal and the argument its custom id carries, if any handler owns it. */
export function findModalHandler(customId: string): { handler: ModalHandler; argument: string } | undefined {
  const colon = customId.indexOf(":");
  if (colon < 0) return undefined;
  const handler = HANDLERS.find((h) => h.prefix === customId.slice(0, colon));
  return handler && { handler, argument: customId.slice(colon + 1) };
}
