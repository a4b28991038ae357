/**
 * A tiny byte-level BPE vocabulary in CLIP's layout: the 256 byte characters, their `</w>` (end-of-word) forms,
 * a few dozen merges of common English bits, then `<|startoftext|>` and `<|endoftext|>` as the last two ids.
 */

/** Merges in priority order; each joins two tokens that already exist. */
const MERGES: readonly string[] = [
  "t h", "i n", "a n", "r e", "o n", "e r", "th e</w>", "e n", "o r", "a t", "e s</w>", "i n</w>", "o f</w>",
  "o n</w>", "an d</w>", "in g</w>", "a r", "s t", "e d</w>", "a t</w>", "e r</w>", "o u", "l e</w>", "i t",
  "w i", "t h</w>", "wi th</w>", "p h", "ph o", "t o</w>", "pho to</w>", "c at</w>", "d o", "do g</w>",
  "re d</w>", "b l", "u e</w>", "bl ue</w>", "t re", "tre e</w>", "p a", "in t", "pa int", "paint ing</w>",
  "l i", "g h", "li gh", "ligh t</w>", "m o", "u n", "mo un", "t a", "ta in</w>", "moun tain</w>", "s un",
  "s e", "se t</w>", "sun set</w>", "h ou", "s e</w>", "hou se</w>",
];

export const BOS_TOKEN = "<|startoftext|>";
export const EOS_TOKEN = "<|endoftext|>";
export const MODEL_MAX_LENGTH = 77;

/**
 * GPT-2/CLIP's byte → printable character table, in CLIP's vocabulary order: the printable bytes first
 * (33–126, 161–172, 174–255), then the rest mapped to U+0100 onwards.
 */
export function byteUnicodeChars(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const chars = printable.map((b) => String.fromCharCode(b));
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) chars.push(String.fromCharCode(256 + next++));
  }
  return chars;
}

/** The files of the `tokenizer/` folder, by name, and the vocabulary size. */
export interface TokenizerFiles {
  files: Record<string, string>;
  vocabSize: number;
}

/**
 * Builds vocab.json, merges.txt, special_tokens_map.json and tokenizer_config.json.
 * @param pad the pad token: SD 1.x pads with `<|endoftext|>`, SD 2's OpenCLIP tokenizer with `!`. @default EOS_TOKEN
 */
export function tokenizerFiles(pad: string = EOS_TOKEN): TokenizerFiles {
  const bytes = byteUnicodeChars();
  const tokens = [...bytes, ...bytes.map((c) => `${c}</w>`)];
  const known = new Set(tokens);
  for (const merge of MERGES) {
    const [left = "", right = ""] = merge.split(" ");
    const joined = left + right;
    if (!known.has(left) || !known.has(right) || known.has(joined)) throw new Error(`Bad synthetic merge "${merge}"`);
    tokens.push(joined);
    known.add(joined);
  }
  tokens.push(BOS_TOKEN, EOS_TOKEN);
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const special = { bos_token: BOS_TOKEN, eos_token: EOS_TOKEN, pad_token: pad, unk_token: EOS_TOKEN };
  return {
    vocabSize: tokens.length,
    files: {
      "vocab.json": JSON.stringify(vocab),
      "merges.txt": `#version: 0.2\n${MERGES.join("\n")}\n`,
      "special_tokens_map.json": json(special),
      "tokenizer_config.json": json({
        tokenizer_class: "CLIPTokenizer",
        do_lower_case: true,
        model_max_length: MODEL_MAX_LENGTH,
        errors: "replace",
        ...special,
      }),
    },
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
