import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ClipTokenizer } from "../../src/inference/tokenizer/clip-tokenizer.ts";
import { TokenizerFilesError } from "../../src/inference/tokenizer/tokenizer-files.ts";

const letters = [..."abcdefghijklmnopqrstuvwxyz"];
// Single symbols first (a word's last symbol carries `</w>`), then the merge results, then the specials.
const tokens = [
  ...letters,
  ...letters.map((letter) => `${letter}</w>`),
  "!",
  "!</w>",
  "th",
  "the</w>",
  "ca",
  "cat</w>",
  "at</w>",
  "aa",
  "aaaa",
  "<|unk|>",
  "<|startoftext|>",
  "<|endoftext|>",
];
const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
const id = (token: string): number => vocab[token] ?? assert.fail(`${token} is not in the test vocabulary`);
const merges = ["#version: 0.2", "t h", "th e</w>", "c a", "ca t</w>", "a t</w>", "a a", "aa aa", ""].join("\n");

let root: string;
let tokenizer: ClipTokenizer;

/** Writes a tokenizer folder under the test's temp dir; objects are written as JSON. */
async function writeFolder(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, content] of Object.entries(files)) {
    await writeFile(join(dir, file), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "reroll-tokenizer-"));
  const dir = await writeFolder("full", {
    "vocab.json": vocab,
    "merges.txt": merges,
    "tokenizer_config.json": { model_max_length: 8, bos_token: "<|startoftext|>", pad_token: "<|endoftext|>" },
    // The map wins over the config, and tokens may be AddedToken objects.
    "special_tokens_map.json": { pad_token: { content: "!", lstrip: false }, unk_token: "<|unk|>" },
  });
  tokenizer = await ClipTokenizer.fromDir(dir);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("ClipTokenizer with a hand-written vocabulary", () => {
  it("reads ids, length and special tokens from the folder", () => {
    assert.equal(tokenizer.vocabSize, tokens.length);
    assert.equal(tokenizer.bosTokenId, id("<|startoftext|>"));
    assert.equal(tokenizer.eosTokenId, id("<|endoftext|>"));
    assert.equal(tokenizer.padTokenId, id("!"));
    assert.equal(tokenizer.modelMaxLength, 8);
  });

  it("applies merges in the order of merges.txt", () => {
    // c a t</w>: `c a` (rank 2) outranks `a t</w>` (rank 4), then `ca t</w>` completes the word.
    assert.deepEqual(tokenizer.encode("cat"), [id("cat</w>")]);
    // b a t</w>: only `a t</w>` applies.
    assert.deepEqual(tokenizer.encode("bat"), [id("b"), id("at</w>")]);
    // c a t h e</w>: `t h`, then `th e</w>`, then `c a`; `ca the</w>` is no merge.
    assert.deepEqual(tokenizer.encode("cathe"), [id("ca"), id("the</w>")]);
    // A word of one letter is that letter with `</w>`.
    assert.deepEqual(tokenizer.encode("x"), [id("x</w>")]);
  });

  it("merges repeated pairs left to right without overlap", () => {
    // a a a</w> → aa a</w>; the last `a` carries `</w>`, so `a a` cannot take it.
    assert.deepEqual(tokenizer.encode("aaa"), [id("aa"), id("a</w>")]);
    // a a a a a</w> → aa aa a</w> → aaaa a</w>.
    assert.deepEqual(tokenizer.encode("aaaaa"), [id("aaaa"), id("a</w>")]);
  });

  it("maps bytes missing from the vocabulary to the unknown token", () => {
    // é is two UTF-8 bytes, spelled `Ã` and `©`; neither is in this vocabulary.
    assert.deepEqual(tokenizer.encode("é"), [id("<|unk|>"), id("<|unk|>")]);
  });

  it("keeps a pad token that is ordinary text out of the special literals", () => {
    // `!!` is one punctuation run: `!` and `!</w>`, not two pad tokens.
    assert.deepEqual(tokenizer.encode("the!!"), [id("the</w>"), id("!"), id("!</w>")]);
    assert.deepEqual(tokenizer.encode("the<|endoftext|>"), [id("the</w>"), id("<|endoftext|>")]);
  });

  it("builds model input of model_max_length with the configured padding", () => {
    const bos = id("<|startoftext|>");
    const eos = id("<|endoftext|>");
    const pad = id("!");
    assert.deepEqual(tokenizer.encodeForModel("the cat"), [bos, id("the</w>"), id("cat</w>"), eos, pad, pad, pad, pad]);
    assert.deepEqual(tokenizer.encodeForModel("x ".repeat(9)), [bos, ...Array<number>(6).fill(id("x</w>")), eos]);
    assert.equal(tokenizer.countTruncatedTokens("x ".repeat(9)), 3);
  });

  it("defaults to CLIP's specials, padding with eos, and 77 without config files", async () => {
    const dir = await writeFolder("bare", { "vocab.json": vocab, "merges.txt": merges });
    const bare = await ClipTokenizer.fromDir(dir);
    assert.equal(bare.modelMaxLength, 77);
    assert.equal(bare.padTokenId, id("<|endoftext|>"));
    assert.deepEqual(bare.encode("é"), [id("<|endoftext|>"), id("<|endoftext|>")]);
    const forModel = bare.encodeForModel("cat");
    assert.equal(forModel.length, 77);
    assert.deepEqual(forModel.slice(0, 4), [id("<|startoftext|>"), id("cat</w>"), id("<|endoftext|>"), id("<|endoftext|>")]);
  });

  it("refuses a folder without merges.txt, naming the file", async () => {
    const dir = await writeFolder("no-merges", { "vocab.json": vocab });
    await assert.rejects(ClipTokenizer.fromDir(dir), (error: unknown) => {
      assert.ok(error instanceof TokenizerFilesError);
      assert.match(error.message, /merges\.txt/);
      return true;
    });
  });

  it("refuses a special token that is not in the vocabulary", async () => {
    const dir = await writeFolder("bad-pad", {
      "vocab.json": vocab,
      "merges.txt": merges,
      "special_tokens_map.json": { pad_token: "<pad>" },
    });
    await assert.rejects(ClipTokenizer.fromDir(dir), /pad token "<pad>" is not in/);
  });
});
