/** Python's `regex` module `\s`: the Unicode White_Space property (JavaScript's `\s` differs: U+FEFF, U+0085). */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/**
 * Python's `str.strip()` strips what `str.isspace()` accepts: White_Space plus the separators U+001C–U+001F.
 */
const EDGE_SPACE = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

/**
 * CLIP's text cleaning before the word split, as transformers' `CLIPTokenizer` does it for diffusers' pipelines
 * (its normalizer: NFC, whitespace runs to one space, lowercase):
 *
 * 1. NFC normalization, so a decomposed `é` tokenizes like a composed one.
 * 2. Every whitespace run becomes one space, then strip.
 * 3. Lowercase.
 *
 * HTML character references stay as typed: OpenAI's own `simple_tokenizer` unescapes them (`&amp;` → `&`), but
 * transformers' tokenizer does not, and diffusers' images follow transformers' ids (checked against diffusers'
 * torch pipelines: test/inference/diffusers-parity.test.ts). ftfy's repairs (mojibake, curly quotes) are not made
 * either, as in transformers without ftfy.
 * @example cleanText("  A &amp; B\n\tC ") === "a &amp; b c"
 */
export function cleanText(text: string): string {
  return text.normalize("NFC").replace(EDGE_SPACE, "").replace(WHITESPACE_RUN, " ").replace(EDGE_SPACE, "").toLowerCase();
}
