import { decodeHTML } from "entities";

/**
 * Python's `html._charref`: what counts as one character reference. Named references run up to 32 characters
 * with an optional `;`; the longest-known-prefix rule for legacy names (`&notit;` → `¬it;`) is left to
 * `entities`, which follows the same HTML5 rule.
 */
const CHARACTER_REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/**
 * Unescapes HTML character references exactly as Python's `html.unescape` does: all HTML5 named references
 * (with or without `;` where HTML allows it), decimal and hex numeric references, Windows-1252 fix-ups for
 * `&#128;`…`&#159;`, U+FFFD for surrogates and out-of-range numbers.
 * @example htmlUnescape("Tom &amp; Jerry &#39;99") === "Tom & Jerry '99"
 */
export function htmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(CHARACTER_REFERENCE, (reference: string, body: string) => {
    if (body.startsWith("#") && isDroppedCodePoint(numericValue(body))) return "";
    return decodeHTML(reference);
  });
}

function numericValue(body: string): number {
  const hex = body[1] === "x" || body[1] === "X";
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, "");
  return Number.parseInt(digits, hex ? 16 : 10);
}

/**
 * Python drops references to code points that HTML forbids (its `_invalid_codepoints`) where `entities` keeps
 * them: C0 controls other than tab, newline, form feed and carriage return, DEL, the noncharacters
 * U+FDD0–U+FDEF and U+xxFFFE/U+xxFFFF. The C1 range 0x80–0x9F is absent here because both map it the same way
 * (Windows-1252 characters, or the C1 control itself).
 */
function isDroppedCodePoint(code: number): boolean {
  if (code > 0x10ffff) return false;
  return (
    (code >= 0x01 && code <= 0x08) ||
    code === 0x0b ||
    (code >= 0x0e && code <= 0x1f) ||
    code === 0x7f ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe
  );
}
