import { htmlUnescape } from "./html-unescape.ts";

/** Python's `regex` module `\s`: the Unicode White_Space property (JavaScript's `\s` differs: U+FEFF, U+0085). */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/**
 * Python's `str.strip()` strips what `str.isspace()` accepts: White_Space plus the separators U+001C–U+001F.
 */
const EDGE_SPACE = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

/**
 * CLIP's text cleaning before the word split, as in OpenAI's `simple_tokenizer`:
 * `whitespace_clean(basic_clean(text)).lower()`.
 *
 * 1. NFC normalization: the last step of `ftfy.fix_text` in OpenAI's code, and the first normalizer of the
 *    Hugging Face fast tokenizer, so a decomposed `é` tokenizes like a composed one. ftfy's other repairs
 *    (mojibake, curly quotes, ligatures) are not reproduced.
 * 2. HTML unescape twice (so `&amp;amp;` becomes `&`), then strip.
 * 3. Every whitespace run becomes one space, then strip.
 * 4. Lowercase.
 * @example cleanText("  A &amp;amp; B\n\tC ") === "a & b c"
 */
export function cleanText(text: string): string {
  const unescaped = htmlUnescape(htmlUnescape(text.normalize("NFC")));
  return unescaped.replace(EDGE_SPACE, "").replace(WHITESPACE_RUN, " ").replace(EDGE_SPACE, "").toLowerCase();
}
