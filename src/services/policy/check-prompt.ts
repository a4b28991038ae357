import type { GuildLimits } from "../../db/types.ts";
import { compileBlockedWords } from "./blocked-words.ts";
import { findControlCharacter } from "./control-characters.ts";
import { formatCount } from "./format-count.ts";
import { ALLOWED, refuse, type GuardResult } from "./refusal.ts";

/**
 * The longest prompt (and, separately, negative prompt) accepted, in characters (Unicode code points).
 * CLIP reads only 77 tokens, but people paste long prompts; beyond this it is abuse, not a prompt.
 */
export const MAX_PROMPT_LENGTH = 1000;

/** The texts of a request that the guards read. */
export interface PromptTexts {
  prompt: string;
  /** @default "" */
  negativePrompt?: string;
}

/**
 * Checks the prompt, then the negative prompt: each at most {@link MAX_PROMPT_LENGTH} characters, free of
 * control and invisible formatting characters (see findControlCharacter), and free of the server's blocked
 * words (whole words, case-insensitive; see blocked-words.ts). The message names which text and which
 * character or word, never the server's list.
 */
export function checkPrompt(settings: Pick<GuildLimits, "blockedWords">, texts: PromptTexts): GuardResult {
  const fields: Array<[label: string, text: string]> = [
    ["prompt", texts.prompt],
    ["negative prompt", texts.negativePrompt ?? ""],
  ];

  for (const [label, text] of fields) {
    const length = [...text].length;
    if (length > MAX_PROMPT_LENGTH) {
      return refuse(
        "prompt-length",
        `Your ${label} is ${formatCount(length)} characters long; ` +
          `the limit is ${formatCount(MAX_PROMPT_LENGTH)}. Please shorten it.`,
      );
    }
  }

  for (const [label, text] of fields) {
    const found = findControlCharacter(text);
    if (found) {
      return refuse(
        "prompt-control-chars",
        `Your ${label} contains a ${found.name} (${found.codePoint}) at character ${found.position}. ` +
          "Control and invisible characters aren't allowed; please remove it and try again.",
      );
    }
  }

  const matcher = compileBlockedWords(settings.blockedWords);
  for (const [label, text] of fields) {
    const word = matcher.find(text);
    if (word !== null) {
      return refuse(
        "blocked-word",
        `Your ${label} contains "${word}", which is blocked on this server. Please rephrase and try again.`,
      );
    }
  }
  return ALLOWED;
}
