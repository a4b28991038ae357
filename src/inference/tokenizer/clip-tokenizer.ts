import { BytePairEncoder } from "./byte-pair-encoder.ts";
import { bytesToUnicode } from "./bytes-to-unicode.ts";
import { cleanText } from "./clean-text.ts";
import { readTokenizerFiles } from "./tokenizer-files.ts";
import type { TokenizerFiles } from "./tokenizer-files.ts";
import { clipWordPattern } from "./word-pattern.ts";

/**
 * The CLIP BPE tokenizer of Stable Diffusion, giving the ids of transformers' `CLIPTokenizer` (what diffusers'
 * pipelines use): clean the text (NFC, collapse whitespace, lowercase; HTML references stay as typed), split it into
 * words with CLIP's pattern, spell each word in UTF-8 bytes and merge them with byte-level BPE. The literals
 * `<|startoftext|>` and `<|endoftext|>` in a prompt become their own ids, as in OpenAI's tokenizer.
 * @example
 * const tokenizer = await ClipTokenizer.fromDir("models/sd15/tokenizer");
 * tokenizer.encodeForModel("a cute cat"); // [49406, 320, 2242, 2368, 49407, 49407, … 77 ids]
 */
export class ClipTokenizer {
  /** Id of the start-of-text token (`<|startoftext|>`, 49406 in SD 1.5). */
  readonly bosTokenId: number;
  /** Id of the end-of-text token (`<|endoftext|>`, 49407 in SD 1.5). */
  readonly eosTokenId: number;
  /** Id that fills the sequence after eos (SD 1.5: `<|endoftext|>`; SD 2 uses `!`). */
  readonly padTokenId: number;
  /** The text encoder's sequence length: `model_max_length` from `tokenizer_config.json`, default 77. */
  readonly modelMaxLength: number;
  /** Number of entries in `vocab.json`. */
  readonly vocabSize: number;

  readonly #vocab: Map<string, number>;
  readonly #bpe: BytePairEncoder;
  readonly #unkTokenId: number;
  readonly #specialIds: Map<string, number>;
  readonly #wordPattern: RegExp;

  private constructor(files: TokenizerFiles) {
    const { vocab, specialTokens } = files;
    const idOf = (token: string): number => vocab.get(token) as number; // presence checked by readTokenizerFiles
    this.#vocab = vocab;
    this.#bpe = new BytePairEncoder(files.merges);
    this.bosTokenId = idOf(specialTokens.bos);
    this.eosTokenId = idOf(specialTokens.eos);
    this.padTokenId = idOf(specialTokens.pad);
    this.#unkTokenId = idOf(specialTokens.unk);
    this.modelMaxLength = files.modelMaxLength;
    this.vocabSize = vocab.size;
    // Only bos and eos are literals of CLIP's word pattern; a pad token such as SD 2's `!` must stay ordinary text.
    this.#specialIds = new Map([
      [specialTokens.bos, this.bosTokenId],
      [specialTokens.eos, this.eosTokenId],
    ]);
    this.#wordPattern = clipWordPattern([specialTokens.bos, specialTokens.eos]);
  }

  /**
   * Loads a Hugging Face tokenizer folder: `vocab.json` and `merges.txt`, plus `tokenizer_config.json` and
   * `special_tokens_map.json` when present.
   * @throws {TokenizerFilesError} when a required file is missing or malformed, or a special token is not in the vocabulary
   */
  static async fromDir(dir: string): Promise<ClipTokenizer> {
    return new ClipTokenizer(await readTokenizerFiles(dir));
  }

  /**
   * The BPE ids of a text, without bos, eos or padding. Tokens missing from the vocabulary (only possible with
   * a vocabulary that lacks some bytes) become the unknown token.
   */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const [word] of cleanText(text).matchAll(this.#wordPattern)) {
      const specialId = this.#specialIds.get(word);
      if (specialId !== undefined) {
        ids.push(specialId);
        continue;
      }
      for (const token of this.#bpe.encodeWord(bytesToUnicode(word))) {
        ids.push(this.#vocab.get(token) ?? this.#unkTokenId);
      }
    }
    return ids;
  }

  /**
   * The text encoder's `input_ids`: bos, the prompt's ids cut to `maxLength − 2`, eos, then padding up to
   * exactly `maxLength` entries (transformers' `truncation=True, padding="max_length"`).
   * @param maxLength sequence length, default {@link modelMaxLength}
   */
  encodeForModel(text: string, maxLength: number = this.modelMaxLength): number[] {
    return this.tokenizeForModel(text, maxLength).ids;
  }

  /**
   * {@link encodeForModel}'s ids and {@link countTruncatedTokens}' count from one tokenization of the text.
   * @param maxLength sequence length, default {@link modelMaxLength}
   */
  tokenizeForModel(text: string, maxLength: number = this.modelMaxLength): { ids: number[]; truncatedTokens: number } {
    const room = promptRoom(maxLength);
    const tokens = this.encode(text);
    const ids = [this.bosTokenId, ...tokens.slice(0, room), this.eosTokenId];
    while (ids.length < maxLength) ids.push(this.padTokenId);
    return { ids, truncatedTokens: Math.max(0, tokens.length - room) };
  }

  /**
   * How many of the prompt's tokens {@link encodeForModel} drops to fit `maxLength`, so a caller can warn that
   * the end of a long prompt is ignored.
   */
  countTruncatedTokens(text: string, maxLength: number = this.modelMaxLength): number {
    return this.tokenizeForModel(text, maxLength).truncatedTokens;
  }
}

/** Room for prompt tokens once bos and eos are placed. */
function promptRoom(maxLength: number): number {
  if (!Number.isSafeInteger(maxLength) || maxLength < 2) {
    throw new RangeError(`Expected \`maxLength\` to be an integer of at least 2 (bos and eos), got \`${maxLength}\``);
  }
  return maxLength - 2;
}
