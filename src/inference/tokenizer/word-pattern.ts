/**
 * CLIP's word split, OpenAI's
 * `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (ignoring case),
 * with the two special literals taken from the tokenizer's bos and eos: special literals, English contractions,
 * letter runs, single digits, and runs of anything else but whitespace. `\s` is written `\p{White_Space}`, which
 * is what Python's `regex` module means by it.
 * @example "it's 42!!".match(clipWordPattern(["<|startoftext|>", "<|endoftext|>"])) // ["it", "'s", "4", "2", "!!"]
 */
export function clipWordPattern(specialLiterals: readonly string[]): RegExp {
  const specials = [...new Set(specialLiterals)].map(escapeRegExp);
  const words = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "\\p{L}+", "\\p{N}", "[^\\p{White_Space}\\p{L}\\p{N}]+"];
  return new RegExp([...specials, ...words].join("|"), "giu");
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}
