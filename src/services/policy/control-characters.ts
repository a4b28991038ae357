// Characters a prompt may not contain: they are invisible, can reorder what a reader sees (bidi overrides), or
// hide a blocked word from the matcher. Joiners and variation selectors are NOT refused: emoji sequences and
// scripts such as Persian need them; blocked-word matching ignores them instead (see blocked-words.ts).

/** Invisible formatting characters that are refused, with the name a message gives them. */
const INVISIBLE_FORMAT_CHARACTERS: ReadonlyMap<number, string> = new Map([
  [0x00ad, "soft hyphen"],
  [0x061c, "Arabic letter mark"],
  [0x180e, "Mongolian vowel separator"],
  [0x200b, "zero-width space"],
  [0x200e, "left-to-right mark"],
  [0x200f, "right-to-left mark"],
  [0x202a, "left-to-right embedding"],
  [0x202b, "right-to-left embedding"],
  [0x202c, "pop directional formatting"],
  [0x202d, "left-to-right override"],
  [0x202e, "right-to-left override"],
  [0x2060, "word joiner"],
  [0x2061, "invisible function application"],
  [0x2062, "invisible times"],
  [0x2063, "invisible separator"],
  [0x2064, "invisible plus"],
  [0x2066, "left-to-right isolate"],
  [0x2067, "right-to-left isolate"],
  [0x2068, "first strong isolate"],
  [0x2069, "pop directional isolate"],
  [0xfeff, "zero-width no-break space"],
  [0xfff9, "interlinear annotation anchor"],
  [0xfffa, "interlinear annotation separator"],
  [0xfffb, "interlinear annotation terminator"],
]);

const TAB = 0x09;
const LINE_FEED = 0x0a;

/** A refused character found in a text. */
export interface ControlCharacter {
  /** "U+202E". */
  codePoint: string;
  /** What it is, for a message: "right-to-left override", "control character", "unpaired surrogate". */
  name: string;
  /** 1-based position in the text, counted in characters (code points). */
  position: number;
}

/**
 * The first character of `text` a prompt may not contain, or null: C0 controls except tab and line feed
 * (carriage return included), DEL, C1 controls, unpaired surrogates, and invisible formatting characters
 * (zero-width space, bidi marks, embeddings, overrides and isolates, word joiner, BOM, soft hyphen…).
 */
export function findControlCharacter(text: string): ControlCharacter | null {
  let position = 0;
  for (const char of text) {
    position++;
    const code = char.codePointAt(0)!;
    const name = refusedName(code);
    if (name) return { codePoint: formatCodePoint(code), name, position };
  }
  return null;
}

function refusedName(code: number): string | null {
  if (code === TAB || code === LINE_FEED) return null;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return "control character";
  // Iterating a string yields a lone surrogate as a one-unit "character".
  if (code >= 0xd800 && code <= 0xdfff) return "unpaired surrogate";
  return INVISIBLE_FORMAT_CHARACTERS.get(code) ?? null;
}

function formatCodePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}
