// The reactions that pick one image of a grid: 1️⃣ is the first (seed), 4️⃣ the fourth (seed + 3).

/** Keycap digits 1–4, in grid order (left to right, top to bottom). */
export const PICK_EMOJIS: readonly string[] = Object.freeze(["1️⃣", "2️⃣", "3️⃣", "4️⃣"]);

/** The 0-based grid index a reaction picks, or undefined when it is not a pick reaction. */
export function pickIndexOf(emoji: string | null | undefined): number | undefined {
  const index = emoji ? PICK_EMOJIS.indexOf(emoji) : -1;
  return index >= 0 ? index : undefined;
}

/** The pick reactions a grid of `imageCount` images gets (none for a single image). */
export function pickEmojisFor(imageCount: number): readonly string[] {
  return imageCount > 1 ? PICK_EMOJIS.slice(0, imageCount) : [];
}
