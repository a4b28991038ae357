import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ClipTokenizer } from "../../src/inference/tokenizer/clip-tokenizer.ts";
import { CLIP_TOKENIZER_DIR } from "../fixtures/paths.ts";

// The real SD 1.5 tokenizer files, shipped as a test fixture (test/fixtures/clip-tokenizer, OpenAI CLIP, MIT).
const FIXTURE_FILES = ["vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json", "README.md"];

describe("the CLIP tokenizer fixture", () => {
  it("is in the repository, whole, with its origin and licence beside it", () => {
    for (const file of FIXTURE_FILES) {
      assert.ok(existsSync(join(CLIP_TOKENIZER_DIR, file)), `test/fixtures/clip-tokenizer/${file} is missing`);
    }
    const vocab = JSON.parse(readFileSync(join(CLIP_TOKENIZER_DIR, "vocab.json"), "utf8")) as Record<string, number>;
    assert.equal(Object.keys(vocab).length, 49408);
    const merges = readFileSync(join(CLIP_TOKENIZER_DIR, "merges.txt"), "utf8").trim().split("\n");
    assert.equal(merges[0], "#version: 0.2");
    assert.equal(merges.length - 1, 48894);
    assert.match(readFileSync(join(CLIP_TOKENIZER_DIR, "README.md"), "utf8"), /OpenAI CLIP[\s\S]*MIT licence/);
  });
});

const tokenizer = await ClipTokenizer.fromDir(CLIP_TOKENIZER_DIR);
const vocab = JSON.parse(readFileSync(join(CLIP_TOKENIZER_DIR, "vocab.json"), "utf8")) as Record<string, number>;

const BOS = 49406;
const EOS = 49407;

/**
 * Expected ids looked up straight in vocab.json by token string, so expectations come from the vocabulary file
 * and not from the tokenizer under test. `</w>` marks a token that ends a word.
 */
function ids(...tokens: string[]): number[] {
  return tokens.map(idOf);
}

function idOf(token: string): number {
  const id = vocab[token];
  if (id === undefined) throw new Error(`test bug: ${JSON.stringify(token)} is not in vocab.json`);
  return id;
}

/** bos, the given ids, eos, then `<|endoftext|>` padding up to 77 entries. */
function padded(body: number[]): number[] {
  return [BOS, ...body, EOS, ...Array<number>(77 - body.length - 2).fill(EOS)];
}

describe("ClipTokenizer with SD 1.5's files", () => {
  it("reads the special tokens and sizes from the files", () => {
    assert.equal(tokenizer.bosTokenId, BOS);
    assert.equal(tokenizer.eosTokenId, EOS);
    assert.equal(tokenizer.padTokenId, EOS);
    assert.equal(tokenizer.modelMaxLength, 77);
    assert.equal(tokenizer.vocabSize, 49408);
  });

  it("matches the reference ids of the issue", () => {
    const body = [320, 2242, 2368, 267, 593, 4481, 7232, 267, 4682];
    assert.deepEqual(tokenizer.encode("a cute cat, with yellow leaf, trees"), body);
    const forModel = tokenizer.encodeForModel("a cute cat, with yellow leaf, trees");
    assert.equal(forModel.length, 77);
    assert.deepEqual(forModel, padded(body));
    assert.equal(tokenizer.countTruncatedTokens("a cute cat, with yellow leaf, trees"), 0);
  });

  it("gives bos, eos and padding only for an empty or blank prompt", () => {
    assert.deepEqual(tokenizer.encode(""), []);
    assert.deepEqual(tokenizer.encodeForModel(""), padded([]));
    assert.deepEqual(tokenizer.encodeForModel(" \n\t "), padded([]));
  });

  it("truncates a long prompt to bos + 75 tokens + eos and counts what it dropped", () => {
    const cat = idOf("cat</w>");
    const prompt = "cat ".repeat(100);
    assert.deepEqual(tokenizer.encode(prompt), Array<number>(100).fill(cat));
    assert.deepEqual(tokenizer.encodeForModel(prompt), [BOS, ...Array<number>(75).fill(cat), EOS]);
    assert.equal(tokenizer.countTruncatedTokens(prompt), 25);

    // Exactly 75 tokens fit without padding; one more is dropped.
    assert.deepEqual(tokenizer.encodeForModel("cat ".repeat(75)), [BOS, ...Array<number>(75).fill(cat), EOS]);
    assert.equal(tokenizer.countTruncatedTokens("cat ".repeat(75)), 0);
    assert.equal(tokenizer.countTruncatedTokens("cat ".repeat(76)), 1);
  });

  it("takes another length when asked", () => {
    const cat = idOf("cat</w>");
    assert.deepEqual(tokenizer.encodeForModel("cat cat cat", 4), [BOS, cat, cat, EOS]);
    assert.equal(tokenizer.countTruncatedTokens("cat cat cat", 4), 1);
    assert.deepEqual(tokenizer.encodeForModel("cat", 6), [BOS, cat, EOS, EOS, EOS, EOS]);
    assert.deepEqual(tokenizer.encodeForModel("cat", 2), [BOS, EOS]);
    assert.throws(() => tokenizer.encodeForModel("cat", 1), RangeError);
    assert.throws(() => tokenizer.countTruncatedTokens("cat", 2.5), RangeError);
  });

  it("keeps HTML character references as typed, as transformers' CLIPTokenizer does (diffusers' ids)", () => {
    // OpenAI's simple_tokenizer would unescape these; diffusers' pipelines tokenize with transformers, which does not.
    assert.deepEqual(tokenizer.encode("Tom &amp; Jerry"), [...ids("tom</w>"), ...tokenizer.encode("&amp;"), ...ids("jerry</w>")]);
    assert.deepEqual(tokenizer.encode("&amp;"), ids("&</w>", "amp</w>", ";</w>"));
    assert.deepEqual(tokenizer.encode("&lt;3"), ids("&</w>", "lt</w>", ";</w>", "3</w>"));
    assert.notDeepEqual(tokenizer.encode("it&#39;s"), tokenizer.encode("it's"));
  });

  it("collapses and strips whitespace of every kind", () => {
    const expected = ids("a</w>", "cute</w>", "cat</w>");
    assert.deepEqual(tokenizer.encode("  a\n\tcute\r\n  cat  "), expected);
    assert.deepEqual(tokenizer.encode("a\u00a0cute\u3000cat"), expected);
  });

  it("lowercases", () => {
    assert.deepEqual(tokenizer.encode("A CUTE Cat"), ids("a</w>", "cute</w>", "cat</w>"));
  });

  it("splits English contractions off their word", () => {
    assert.deepEqual(
      tokenizer.encode("don't you're we've I'm they'll she'd it's"),
      ids("don</w>", "'t</w>", "you</w>", "'re</w>", "we</w>", "'ve</w>", "i</w>", "'m</w>", "they</w>", "'ll</w>",
        "she</w>", "'d</w>", "it</w>", "'s</w>"),
    );
  });

  it("splits numbers into single digits", () => {
    assert.deepEqual(tokenizer.encode("1234 8k"), ids("1</w>", "2</w>", "3</w>", "4</w>", "8</w>", "k</w>"));
  });

  it("keeps runs of punctuation together and splits them by BPE", () => {
    assert.deepEqual(tokenizer.encode("hello!!! ... ?!"), ids("hello</w>", "!!!</w>", "...</w>", "?!</w>"));
    // `)),` is one run; its BPE is `)` + `),</w>`.
    assert.deepEqual(
      tokenizer.encode("((masterpiece)), best quality"),
      ids("((</w>", "masterpiece</w>", ")", "),</w>", "best</w>", "quality</w>"),
    );
  });

  it("merges within a word, marking only the last token as word end", () => {
    assert.deepEqual(tokenizer.encode("photorealistic"), ids("photo", "realistic</w>"));
  });

  it("encodes accents, emoji and CJK through their UTF-8 bytes", () => {
    // é is C3 A9: the byte-level alphabet spells those bytes `Ã` and `©`.
    assert.deepEqual(tokenizer.encode("café"), ids("cafÃ©</w>"));
    // A decomposed é (e + U+0301) is normalized to NFC first, as ftfy and the fast tokenizer do.
    assert.deepEqual(tokenizer.encode("cafe\u0301"), ids("cafÃ©</w>"));
    assert.deepEqual(tokenizer.encode("naïve résumé"), ids("na", "Ã¯", "ve</w>", "rÃ©", "sum", "Ã©</w>"));
    // 🐱 is F0 9F 90 B1.
    assert.deepEqual(tokenizer.encode("🐱"), ids("ðŁĲ±</w>"));
    // 猫 is E7 8C AB; 0x8C is not printable, so it is spelled U+012E `Į`. No merge joins these bytes.
    assert.deepEqual(tokenizer.encode("猫"), ids("ç", "Į", "«</w>"));
  });

  it("spells unprintable bytes with the characters from U+0100 on", () => {
    // Bytes 0x00–0x20 take U+0100–U+0120, 0x7F–0xA0 take U+0121–U+0142, and 0xAD takes U+0143.
    assert.deepEqual(tokenizer.encode("a\x01b"), ids("a</w>", "\u0101</w>", "b</w>"));
    assert.deepEqual(tokenizer.encode("a\x7fb"), ids("a</w>", "\u0121</w>", "b</w>"));
    // A soft hyphen is C2 AD: `Â` and `Ń`.
    assert.deepEqual(tokenizer.encode("x\u00ady"), ids("x</w>", "\u00c2\u0143</w>", "y</w>"));
  });

  it("strips what Python's str.strip strips but collapses only Unicode White_Space", () => {
    // U+001F is whitespace to str.strip but not to the regex module's \s, so inside text it is a symbol.
    assert.deepEqual(tokenizer.encode("\x1fcat\x1f"), ids("cat</w>"));
    assert.deepEqual(tokenizer.encode("a\x1fb"), ids("a</w>", "\u011f</w>", "b</w>"));
  });

  it("maps special-token literals in the text to their ids", () => {
    assert.deepEqual(
      tokenizer.encode("a photo <|endoftext|> of <|startoftext|> cat"),
      [...ids("a</w>", "photo</w>"), EOS, ...ids("of</w>"), BOS, ...ids("cat</w>")],
    );
    assert.deepEqual(tokenizer.encode("a<|endoftext|>b"), [...ids("a</w>"), EOS, ...ids("b</w>")]);
    // Text is lowercased before the split, so an uppercase literal is special too.
    assert.deepEqual(tokenizer.encode("<|ENDOFTEXT|>"), [EOS]);
    // As in OpenAI's tokenizer, a literal glued to punctuation is swallowed by the punctuation run `!<|`.
    assert.deepEqual(
      tokenizer.encode("!<|endoftext|>"),
      ids("!", "<", "|</w>", "endof", "text</w>", "|", "></w>"),
    );
  });
});
