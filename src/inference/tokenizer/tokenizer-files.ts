import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MergePair } from "./byte-pair-encoder.ts";

/** A tokenizer folder that is missing a file or holds one that cannot be used; the message names the file. */
export class TokenizerFilesError extends Error {
  override readonly name = "TokenizerFilesError";
}

/** The special tokens a CLIP tokenizer needs, as literal strings of its vocabulary. */
export interface SpecialTokens {
  bos: string;
  eos: string;
  pad: string;
  unk: string;
}

/** What a Hugging Face CLIP tokenizer folder says, parsed and checked. */
export interface TokenizerFiles {
  vocab: Map<string, number>;
  merges: MergePair[];
  specialTokens: SpecialTokens;
  /** `model_max_length` from `tokenizer_config.json`, or 77 when it is absent or not a usable length. */
  modelMaxLength: number;
}

/** CLIP's literals and context length, used for whatever the config files leave out. */
const CLIP_DEFAULTS = { bos: "<|startoftext|>", eos: "<|endoftext|>", modelMaxLength: 77 } as const;

/**
 * Reads `vocab.json` and `merges.txt`, plus `tokenizer_config.json` and `special_tokens_map.json` when present
 * (the map wins where both name a token, as in transformers). Padding and unknown tokens default to eos.
 */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const [vocabJson, mergesText, config, specialMap] = await Promise.all([
    readRequired(dir, "vocab.json"),
    readRequired(dir, "merges.txt"),
    readOptionalJson(dir, "tokenizer_config.json"),
    readOptionalJson(dir, "special_tokens_map.json"),
  ]);
  const vocab = parseVocab(vocabJson, join(dir, "vocab.json"));
  const merges = parseMerges(mergesText, join(dir, "merges.txt"));

  const tokenFrom = (key: string): string | undefined => tokenContent(specialMap?.[key]) ?? tokenContent(config?.[key]);
  const bos = tokenFrom("bos_token") ?? CLIP_DEFAULTS.bos;
  const eos = tokenFrom("eos_token") ?? CLIP_DEFAULTS.eos;
  const specialTokens: SpecialTokens = { bos, eos, pad: tokenFrom("pad_token") ?? eos, unk: tokenFrom("unk_token") ?? eos };
  for (const [role, token] of Object.entries(specialTokens)) {
    if (!vocab.has(token)) {
      throw new TokenizerFilesError(`The ${role} token ${JSON.stringify(token)} is not in ${join(dir, "vocab.json")}`);
    }
  }

  const maxLength = config?.model_max_length;
  // transformers writes 1e30 for "no limit"; only a real length is usable for padding.
  const modelMaxLength =
    typeof maxLength === "number" && Number.isSafeInteger(maxLength) && maxLength >= 2
      ? maxLength
      : CLIP_DEFAULTS.modelMaxLength;
  return { vocab, merges, specialTokens, modelMaxLength };
}

function parseVocab(json: string, path: string): Map<string, number> {
  const parsed = parseJson(json, path);
  if (!isRecord(parsed)) throw new TokenizerFilesError(`${path} must be a JSON object of token → id`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed)) {
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      throw new TokenizerFilesError(`${path}: the id of ${JSON.stringify(token)} must be a non-negative integer`);
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** One merge per line, two symbols separated by a space; the `#version` header and blank lines are skipped. */
function parseMerges(text: string, path: string): MergePair[] {
  const merges: MergePair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line === "" || (i === 0 && line.startsWith("#version"))) continue;
    const [left, right, ...rest] = line.split(" ");
    if (!left || !right || rest.length > 0) {
      throw new TokenizerFilesError(`${path} line ${i + 1}: expected two symbols separated by one space`);
    }
    merges.push([left, right]);
  }
  return merges;
}

/** A special token is either a string or an AddedToken object (`{ "content": "<|endoftext|>", … }`). */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.content === "string") return value.content;
  return undefined;
}

async function readRequired(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new TokenizerFilesError(`Cannot read the tokenizer file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function readOptionalJson(dir: string, name: string): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TokenizerFilesError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseJson(text, path);
  if (!isRecord(parsed)) throw new TokenizerFilesError(`${path} must be a JSON object`);
  return parsed;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerFilesError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
