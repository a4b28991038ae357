/** One line of `merges.txt`: the two symbols that merge into one. */
export type MergePair = readonly [left: string, right: string];

/** Past this many distinct words the cache starts over, so a long-running bot cannot be grown without bound. */
const MAX_CACHED_WORDS = 20_000;

/**
 * CLIP's byte-pair merge loop: a word's symbols are merged pair by pair, always the pair that comes first in
 * `merges.txt`, until no listed pair is left. The last symbol carries the end-of-word suffix (`</w>`), so a
 * whole word such as `cat</w>` is a different token from the prefix `cat` of `category`.
 */
export class BytePairEncoder {
  readonly #ranks = new Map<string, number>();
  readonly #cache = new Map<string, readonly string[]>();
  readonly #endOfWord: string;

  /**
   * @param merges the merge rules in priority order (line order of `merges.txt`, header left out)
   * @param endOfWord suffix glued to a word's last symbol
   */
  constructor(merges: Iterable<MergePair>, endOfWord = "</w>") {
    let rank = 0;
    // Python's dict(zip(merges, range(n))) keeps the last rank of a repeated pair; so does Map.set.
    for (const [left, right] of merges) this.#ranks.set(pairKey(left, right), rank++);
    this.#endOfWord = endOfWord;
  }

  /** The number of merge rules. */
  get mergeCount(): number {
    return this.#ranks.size;
  }

  /**
   * Splits one word, already spelled in the byte-level alphabet, into vocabulary tokens.
   * @example encoder.encodeWord("cat") // ["cat</w>"] with CLIP's merges
   */
  encodeWord(word: string): readonly string[] {
    const cached = this.#cache.get(word);
    if (cached) return cached;
    const tokens = this.#merge(word);
    if (this.#cache.size >= MAX_CACHED_WORDS) this.#cache.clear();
    this.#cache.set(word, tokens);
    return tokens;
  }

  #merge(word: string): string[] {
    let symbols = Array.from(word);
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += this.#endOfWord;
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.#ranks.get(pairKey(symbols[i]!, symbols[i + 1]!));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;
      const left = symbols[bestIndex]!; // bestIndex < symbols.length − 1
      const right = symbols[bestIndex + 1]!;
      // Merge every occurrence of the chosen pair, scanning left to right without overlaps.
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(symbols[i]!);
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}

/** Symbols never contain a space (the byte alphabet spells it `Ġ`), so a space joins a pair unambiguously. */
function pairKey(left: string, right: string): string {
  return `${left} ${right}`;
}
