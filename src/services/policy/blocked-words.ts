// Whole-word, case-insensitive, Unicode-aware matching of a server's blocked words and phrases.
//
// Semantics (docs/limits.md repeats them for admins):
// - An entry matches only as a whole: the characters just before and after the match must not be letters,
//   digits or combining marks, in any script. "cat" matches "Cat," "CAT" "cat's" "cat-like" "cat_girl" but not
//   "concatenate" or "cats"; "café" does not match "cafés" (plurals and other forms need their own entry).
// - Case-insensitive by Unicode simple case folding ("ÉTÉ" matches "été").
// - Both sides are NFKC-normalized and stripped of invisible characters first, so a fullwidth "ｃａｔ", a
//   decomposed "café" or "c\u200Dat" still match.
// - Entries may be phrases: words separated by any run of spaces or underscores ("big cat" matches
//   "big   cat" and "big_cat", the tag style many prompts use).
// - Entries are literal text: regex metacharacters ("c++", "a.b") match only themselves.

/** Letters, digits and combining marks: what may not touch a match on either side. */
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}]`;
/** Default_Ignorable_Code_Point: zero-width and bidi characters, joiners, variation selectors, tags… */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
/** What separates the words of a phrase, in an entry and in a prompt. */
const SEPARATOR = /[\s_]+/u;
/** ECMAScript's syntax characters and "/": the only characters the `u` flag lets us (and requires us to) escape. */
const SYNTAX_CHARACTER = /[\^$\\.*+?()[\]{}|/]/g;

/** Finds blocked words in texts; compile once, use for the prompt and the negative prompt. */
export interface BlockedWordMatcher {
  /** The first entry (as the admins wrote it, trimmed) that occurs in `text`, or null. */
  find(text: string): string | null;
}

const NOTHING_BLOCKED: BlockedWordMatcher = { find: () => null };

/** Compiles a server's blocked words and phrases into one matcher (entries that are blank are ignored). */
export function compileBlockedWords(blockedWords: readonly string[]): BlockedWordMatcher {
  const entries = blockedWords
    .map((word) => ({ word: word.trim(), pattern: entryPattern(word) }))
    .filter((entry) => entry.pattern !== "")
    // At one position, try longer entries first so "cat girl" is named rather than "cat".
    .sort((a, b) => b.pattern.length - a.pattern.length);
  if (entries.length === 0) return NOTHING_BLOCKED;

  const alternatives = entries.map((entry) => `(${entry.pattern})`).join("|");
  const regex = new RegExp(`(?<!${WORD_CHAR})(?:${alternatives})(?!${WORD_CHAR})`, "iu");
  return {
    find(text) {
      const match = regex.exec(normalize(text));
      if (!match) return null;
      // One capturing group per entry, in order: the group that matched names the entry.
      const group = match.findIndex((value, index) => index > 0 && value !== undefined);
      return entries[group - 1]?.word ?? null;
    },
  };
}

/** The first of `blockedWords` that occurs in `text` as a whole word or phrase, or null. */
export function findBlockedWord(text: string, blockedWords: readonly string[]): string | null {
  return compileBlockedWords(blockedWords).find(text);
}

function normalize(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE, "");
}

/** The regex source of one entry, or "" for a blank one. */
function entryPattern(word: string): string {
  return normalize(word)
    .split(SEPARATOR)
    .filter((part) => part !== "")
    .map((part) => part.replace(SYNTAX_CHARACTER, "\\$&"))
    .join(String.raw`[\s_]+`);
}
