import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileBlockedWords, findBlockedWord } from "../../src/services/policy/index.ts";

describe("findBlockedWord: whole words", () => {
  test('"Cat" matches "cat," and "CAT" but not "concatenate" or "cats"', () => {
    for (const text of ["cat,", "CAT", "a cat.", "(cat)", "cat's", "cat-like", "cat_girl", "🐈cat🐈", "cat"]) {
      assert.equal(findBlockedWord(text, ["Cat"]), "Cat", text);
    }
    for (const text of ["concatenate", "cats", "bobcat", "cat2", "2cat", "ca t", ""]) {
      assert.equal(findBlockedWord(text, ["Cat"]), null, text);
    }
  });

  test("boundaries work outside ASCII: letters in any script, digits and combining marks are part of a word", () => {
    // "café" blocked does not match "cafés": plurals and other forms need their own entry.
    assert.equal(findBlockedWord("cafés", ["café"]), null);
    assert.equal(findBlockedWord("un café noir", ["café"]), "café");
    assert.equal(findBlockedWord("CAFÉ!", ["café"]), "café");
    assert.equal(findBlockedWord("écat", ["cat"]), null);
    assert.equal(findBlockedWord("catя", ["cat"]), null);
    assert.equal(findBlockedWord("кошка", ["КОШКА"]), "КОШКА");
    assert.equal(findBlockedWord("большаякошка", ["кошка"]), null);
    assert.equal(findBlockedWord("cat\u0301", ["cat"]), null, "a combining mark extends the word");
    assert.equal(findBlockedWord("ΣΊΣΥΦΟΣ", ["σίσυφος"]), "σίσυφος", "Greek final sigma folds");
  });

  test("texts and entries are compared after NFKC: decomposed, fullwidth and compatibility forms match", () => {
    assert.equal(findBlockedWord("cafe\u0301", ["café"]), "café");
    assert.equal(findBlockedWord("café", ["cafe\u0301"]), "cafe\u0301");
    assert.equal(findBlockedWord("ｃａｔ", ["cat"]), "cat");
    assert.equal(findBlockedWord("ﬁsh", ["fish"]), "fish");
  });

  test("invisible characters cannot hide a word", () => {
    for (const text of ["c\u200Bat", "c\u200Dat", "c\u00ADat", "ca\uFE0Ft", "c\u2060at"]) {
      assert.equal(findBlockedWord(text, ["cat"]), "cat", JSON.stringify(text));
    }
  });

  test("scripts written without spaces are matched only as whole runs (documented limitation)", () => {
    assert.equal(findBlockedWord("日本", ["日本"]), "日本");
    assert.equal(findBlockedWord("日本語", ["日本"]), null);
  });
});

describe("findBlockedWord: phrases and literal entries", () => {
  test("a phrase matches across any run of spaces or underscores, never across other words", () => {
    assert.equal(findBlockedWord("a BIG   cat", ["big cat"]), "big cat");
    assert.equal(findBlockedWord("big_cat", ["big cat"]), "big cat");
    assert.equal(findBlockedWord("big\ncat", ["big  cat"]), "big  cat");
    assert.equal(findBlockedWord("big fat cat", ["big cat"]), null);
    assert.equal(findBlockedWord("bigcat", ["big cat"]), null);
  });

  test("regex metacharacters in an entry match only themselves", () => {
    assert.equal(findBlockedWord("I write c++ daily", ["c++"]), "c++");
    assert.equal(findBlockedWord("c++x", ["c++"]), null);
    assert.equal(findBlockedWord("cc", ["c++"]), null);
    assert.equal(findBlockedWord("a.b", ["a.b"]), "a.b");
    assert.equal(findBlockedWord("axb", ["a.b"]), null);
    for (const entry of ["(", "[a-z]", "a|b", "^$", "\\d", "{2}", "x?", "a/b", "-", "a-b"]) {
      assert.equal(findBlockedWord(`say ${entry} now`, [entry]), entry, entry);
      assert.equal(findBlockedWord("say nothing now", [entry]), null, entry);
    }
  });

  test("blank entries are ignored; an empty list blocks nothing", () => {
    assert.equal(findBlockedWord("anything at all", []), null);
    assert.equal(findBlockedWord("anything at all", ["", "   ", "_"]), null);
    assert.equal(findBlockedWord("a cat", ["", " cat "]), "cat", "entries are trimmed");
  });

  test("the earliest match wins; at one position, the longest entry is named", () => {
    const matcher = compileBlockedWords(["cat", "dog", "cat girl"]);
    assert.equal(matcher.find("dog and cat"), "dog");
    assert.equal(matcher.find("a cat girl"), "cat girl");
    assert.equal(matcher.find("a cat dog"), "cat");
  });

  test("a compiled matcher can be reused on many texts", () => {
    const matcher = compileBlockedWords(["cat"]);
    assert.equal(matcher.find("cat"), "cat");
    assert.equal(matcher.find("dog"), null);
    assert.equal(matcher.find("CAT"), "cat");
  });
});
