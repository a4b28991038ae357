import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { htmlUnescape } from "../../src/inference/tokenizer/html-unescape.ts";

// Expected values are what Python 3's html.unescape returns, which CLIP's basic_clean calls.
describe("htmlUnescape", () => {
  it("decodes named references, with and without a semicolon where HTML allows it", () => {
    assert.equal(htmlUnescape("Tom &amp; Jerry"), "Tom & Jerry");
    assert.equal(htmlUnescape("&lt;b&gt; &quot;x&quot;"), '<b> "x"');
    assert.equal(htmlUnescape("&amp"), "&");
    assert.equal(htmlUnescape("&AMP;"), "&");
    assert.equal(htmlUnescape("&hellip;"), "\u2026");
    assert.equal(htmlUnescape("&NotEqualTilde;"), "\u2242\u0338");
  });

  it("leaves unknown names and non-legacy names without a semicolon alone", () => {
    assert.equal(htmlUnescape("&unknown;"), "&unknown;");
    assert.equal(htmlUnescape("&Amp;"), "&Amp;");
    assert.equal(htmlUnescape("&hellip"), "&hellip");
    assert.equal(htmlUnescape("a & b"), "a & b");
  });

  it("decodes the longest legacy prefix of an unknown name", () => {
    assert.equal(htmlUnescape("&notit;"), "\u00acit;");
  });

  it("decodes numeric references as Python does", () => {
    assert.equal(htmlUnescape("&#39;"), "'");
    assert.equal(htmlUnescape("&#x27;"), "'");
    assert.equal(htmlUnescape("&#65"), "A");
    assert.equal(htmlUnescape("&#x1F431;"), "🐱");
    // Windows-1252 fix-ups, NUL, surrogates and out-of-range numbers.
    assert.equal(htmlUnescape("&#128;"), "\u20ac");
    assert.equal(htmlUnescape("&#x81;"), "\u0081");
    assert.equal(htmlUnescape("&#13;"), "\r");
    assert.equal(htmlUnescape("&#0;"), "\ufffd");
    assert.equal(htmlUnescape("&#xD800;"), "\ufffd");
    assert.equal(htmlUnescape("&#x110000;"), "\ufffd");
    // Forbidden code points disappear.
    assert.equal(htmlUnescape("a&#1;b&#11;c&#127;d&#xFDD0;e&#xFFFE;f&#x10FFFF;g"), "abcdefg");
  });

  it("unescapes one level at a time", () => {
    assert.equal(htmlUnescape("&amp;amp;"), "&amp;");
    assert.equal(htmlUnescape(htmlUnescape("&amp;amp;")), "&");
  });
});
