import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_PROMPT_LENGTH, checkPrompt, type GuardResult } from "../../src/services/policy/index.ts";

const open = { blockedWords: [] as string[] };

function reasonOf(result: GuardResult): string {
  return result.ok ? "ok" : result.reason;
}

function messageOf(result: GuardResult): string {
  assert.equal(result.ok, false, "expected a refusal");
  return result.ok ? "" : result.message;
}

describe("checkPrompt: length", () => {
  test("exactly MAX_PROMPT_LENGTH characters pass, one more is refused, for each text", () => {
    assert.equal(MAX_PROMPT_LENGTH, 1000);
    assert.deepEqual(checkPrompt(open, { prompt: "a".repeat(1000), negativePrompt: "b".repeat(1000) }), { ok: true });
    const long = checkPrompt(open, { prompt: "a".repeat(1001) });
    assert.equal(reasonOf(long), "prompt-length");
    assert.match(messageOf(long), /prompt is 1,001 characters long; the limit is 1,000/);
    const longNegative = checkPrompt(open, { prompt: "ok", negativePrompt: "b".repeat(1001) });
    assert.match(messageOf(longNegative), /negative prompt is 1,001/);
  });

  test("length counts characters, not UTF-16 units: 1000 emoji pass", () => {
    assert.ok(checkPrompt(open, { prompt: "🐈".repeat(1000) }).ok);
    assert.equal(reasonOf(checkPrompt(open, { prompt: "🐈".repeat(1001) })), "prompt-length");
  });
});

describe("checkPrompt: control and invisible characters", () => {
  test("tab and line feed are allowed", () => {
    assert.ok(checkPrompt(open, { prompt: "a cat\n\tsitting", negativePrompt: "blurry\nugly" }).ok);
  });

  for (const [char, expected] of [
    ["\u0000", /control character \(U\+0000\)/],
    ["\u0007", /control character \(U\+0007\)/],
    ["\r", /control character \(U\+000D\)/],
    ["\u001b", /control character \(U\+001B\)/],
    ["\u007f", /control character \(U\+007F\)/],
    ["\u0085", /control character \(U\+0085\)/],
    ["\u009f", /control character \(U\+009F\)/],
    ["\u202e", /right-to-left override \(U\+202E\)/],
    ["\u200b", /zero-width space \(U\+200B\)/],
    ["\u2066", /left-to-right isolate \(U\+2066\)/],
    ["\ufeff", /zero-width no-break space \(U\+FEFF\)/],
    ["\ud800", /unpaired surrogate \(U\+D800\)/],
  ] as const) {
    test(`refuses ${JSON.stringify(char)} and says which character, and where`, () => {
      const result = checkPrompt(open, { prompt: `ab${char}c` });
      assert.equal(reasonOf(result), "prompt-control-chars");
      assert.match(messageOf(result), expected);
      assert.match(messageOf(result), /at character 3/);
    });
  }

  test("the negative prompt is checked too, and named", () => {
    const result = checkPrompt(open, { prompt: "fine", negativePrompt: "x\u202Ey" });
    assert.match(messageOf(result), /^Your negative prompt contains a right-to-left override/);
  });

  test("printable neighbours of the refused ranges, emoji sequences and joiners pass", () => {
    // U+00A0 no-break space, U+00A1 ¡, U+2010 hyphen, ZWJ family emoji, ZWNJ in Persian, a flag, a variation selector.
    const prompt = "\u00a0¡‐ 👨‍👩‍👧 می‌خواهم 🇫🇷 ❤️ 🏴󠁧󠁢󠁳󠁣󠁴󠁿";
    assert.deepEqual(checkPrompt(open, { prompt }), { ok: true });
  });

  test("length is checked before characters, characters before blocked words", () => {
    const all = { blockedWords: ["cat"] };
    assert.equal(reasonOf(checkPrompt(all, { prompt: `cat \u0007 ${"a".repeat(1000)}` })), "prompt-length");
    assert.equal(reasonOf(checkPrompt(all, { prompt: "cat \u0007" })), "prompt-control-chars");
    assert.equal(reasonOf(checkPrompt(all, { prompt: "cat" })), "blocked-word");
  });
});

describe("checkPrompt: blocked words", () => {
  const settings = { blockedWords: ["Cat", "secret list entry", "c++"] };

  test("names the word used, never the rest of the list", () => {
    const result = checkPrompt(settings, { prompt: "a CAT, sleeping" });
    assert.equal(reasonOf(result), "blocked-word");
    const message = messageOf(result);
    assert.match(message, /Your prompt contains "Cat", which is blocked on this server/);
    assert.doesNotMatch(message, /secret list entry|c\+\+/);
  });

  test("the negative prompt is matched too", () => {
    const result = checkPrompt(settings, { prompt: "a dog", negativePrompt: "no cat" });
    assert.match(messageOf(result), /^Your negative prompt contains "Cat"/);
  });

  test("words that only contain a blocked word pass", () => {
    assert.deepEqual(checkPrompt(settings, { prompt: "concatenate the catalogue", negativePrompt: "" }), { ok: true });
  });
});
