// The reactions under every result and what each one asks for. Which of them a server shows is its
// `resultReactions` setting ("all", "none", or action names separated by spaces); this file is the one place that
// knows the actions, their emoji and how the setting is read and written.

/** What a reaction on a result asks for. */
export type ResultAction = "reroll" | "variation" | "stronger" | "weaker" | "upscale";

/** Every action, in the order the bot adds their reactions. */
export const RESULT_ACTIONS: readonly ResultAction[] = Object.freeze(["reroll", "variation", "stronger", "weaker", "upscale"]);

/** Each action's reaction. ⬆️ is sent with its variation selector, as Discord's emoji picker sends it. */
export const RESULT_EMOJI: Readonly<Record<ResultAction, string>> = Object.freeze({
  reroll: "🔁",
  variation: "🔀",
  stronger: "🔼",
  weaker: "🔽",
  upscale: "⬆️",
});

/** What each action does, for `/limits show`, docs and footers. */
export const RESULT_ACTION_LABELS: Readonly<Record<ResultAction, string>> = Object.freeze({
  reroll: "reroll (new seed)",
  variation: "variation (same seed, a little of another)",
  stronger: "stronger (img2img strength +0.15)",
  weaker: "weaker (img2img strength −0.15)",
  upscale: "upscale ×2",
});

/** The stored value meaning every action, also those added later. */
export const ALL_RESULT_ACTIONS = "all";
export const NO_RESULT_ACTIONS = "none";

/** The action a reaction asks for (with or without the emoji's variation selector), or undefined. */
export function actionOfEmoji(name: string | null | undefined): ResultAction | undefined {
  if (!name) return undefined;
  const bare = name.replace(/\uFE0F/g, "");
  return RESULT_ACTIONS.find((action) => RESULT_EMOJI[action].replace(/\uFE0F/g, "") === bare);
}

/** The actions a stored `resultReactions` value turns on (an unreadable value shows every reaction). */
export function enabledResultActions(stored: string): ResultAction[] {
  const parsed = parseResultReactions(stored);
  return parsed.ok ? parsed.actions : [...RESULT_ACTIONS];
}

/**
 * Reads what an admin typed for `result_reactions`: "all", "none", or action names and/or their emoji separated by
 * spaces or commas ("reroll variation", "🔁 ⬆️"). Returns the normalized stored text and the actions, or a problem.
 */
export function parseResultReactions(raw: unknown): { ok: true; stored: string; actions: ResultAction[] } | { ok: false; problem: string } {
  const expected = `must be "${ALL_RESULT_ACTIONS}", "${NO_RESULT_ACTIONS}", or some of ${RESULT_ACTIONS.map((a) => `${a} (${RESULT_EMOJI[a]})`).join(", ")} separated by spaces`;
  if (typeof raw !== "string") return { ok: false, problem: `${expected}.` };
  const words = raw.trim().toLowerCase().split(/[\s,]+/).filter((word) => word !== "");
  if (words.length === 1 && words[0] === ALL_RESULT_ACTIONS) return { ok: true, stored: ALL_RESULT_ACTIONS, actions: [...RESULT_ACTIONS] };
  if (words.length === 0 || (words.length === 1 && words[0] === NO_RESULT_ACTIONS)) return { ok: true, stored: NO_RESULT_ACTIONS, actions: [] };
  const chosen = new Set<ResultAction>();
  for (const word of words) {
    const action = RESULT_ACTIONS.find((a) => a === word) ?? actionOfEmoji(word);
    if (!action) return { ok: false, problem: `${expected}; got ${JSON.stringify(word.length > 40 ? `${word.slice(0, 39)}…` : word)}.` };
    chosen.add(action);
  }
  const actions = RESULT_ACTIONS.filter((a) => chosen.has(a));
  const stored = actions.length === RESULT_ACTIONS.length ? ALL_RESULT_ACTIONS : actions.join(" ");
  return { ok: true, stored, actions };
}

/** A stored value as `/limits show` says it: "all: 🔁 🔀 🔼 🔽 ⬆️", "none", "🔁 ⬆️". */
export function describeResultReactions(stored: string): string {
  const actions = enabledResultActions(stored);
  if (actions.length === 0) return NO_RESULT_ACTIONS;
  const emoji = actions.map((a) => RESULT_EMOJI[a]).join(" ");
  return actions.length === RESULT_ACTIONS.length ? `all: ${emoji}` : emoji;
}
