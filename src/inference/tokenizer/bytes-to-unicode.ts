/**
 * CLIP's (and GPT-2's) reversible byte-to-character table. Byte-level BPE works on strings, so every UTF-8 byte
 * is given a printable character: printable Latin-1 bytes stand for themselves, the rest (controls, space,
 * soft hyphen…) take the characters from U+0100 upwards in byte order. The vocabulary is written in these
 * characters (a space is `Ġ`).
 */
const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

function buildByteToChar(): string[] {
  const table: string[] = [];
  let next = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table.push(String.fromCharCode(printable ? byte : next++));
  }
  return table;
}

const utf8 = new TextEncoder();

/**
 * Spells a piece of text as its UTF-8 bytes in the byte-level alphabet.
 * @example bytesToUnicode("é ") === "Ã©Ġ"
 */
export function bytesToUnicode(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}
