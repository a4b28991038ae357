import { crc32 } from "node:zlib";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The text chunks of a PNG: `tEXt` (Latin-1) and uncompressed `iTXt` (UTF-8), keyed by keyword.
 * Compressed chunks (`zTXt`, compressed `iTXt`) are skipped rather than inflated, and so are chunks
 * whose CRC is wrong. Where a keyword repeats, the first wins: {@link insertPngTextChunk} writes
 * right after `IHDR`, ahead of anything else. Returns `{}` for bytes that are not a PNG and stops
 * quietly at a truncated chunk, so it is safe on untrusted files.
 *
 * @example
 * const { parameters } = readPngText(await readFile("result.png"));
 */
export function readPngText(png: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return result;

  for (let offset = PNG_SIGNATURE.length; offset + 12 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) break;
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    const crcOk = crc32(png.subarray(offset + 4, offset + 8 + length)) === png.readUInt32BE(offset + 8 + length);
    if (type === "IEND") break;
    const entry = !crcOk ? undefined : type === "tEXt" ? parseText(body) : type === "iTXt" ? parseInternationalText(body) : undefined;
    if (entry && !Object.hasOwn(result, entry.keyword)) {
      // defineProperty, so that even a keyword like "__proto__" stays plain data.
      Object.defineProperty(result, entry.keyword, { value: entry.text, enumerable: true, writable: true, configurable: true });
    }
    offset = end;
  }
  return result;
}

/**
 * A copy of `png` with a text chunk inserted right after `IHDR`: `tEXt` when `text` is Latin-1
 * (what most readers expect), otherwise an uncompressed UTF-8 `iTXt`, as Pillow and A1111 do.
 * NUL characters, which neither chunk can hold, are dropped.
 */
export function insertPngTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword.startsWith(" ") || keyword.endsWith(" ") || keyword.includes("  ")) {
    throw new RangeError(`Expected a PNG text keyword of 1–79 printable Latin-1 characters, got \`${keyword}\``);
  }
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString("latin1", 12, 16) !== "IHDR") {
    throw new RangeError("Expected a PNG that starts with its IHDR chunk");
  }
  const clean = text.replaceAll("\0", "");
  const latin1 = /^[\x00-\xff]*$/.test(clean);
  const body = latin1
    ? Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0]), Buffer.from(clean, "latin1")])
    : // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
      Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(clean, "utf8")]);
  const afterIhdr = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterIhdr), pngChunk(latin1 ? "tEXt" : "iTXt", body), png.subarray(afterIhdr)]);
}

/** length, type, data, CRC-32 of type and data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function parseText(body: Buffer): { keyword: string; text: string } | undefined {
  const nul = body.indexOf(0);
  if (nul < 1) return undefined;
  return { keyword: body.toString("latin1", 0, nul), text: body.toString("latin1", nul + 1) };
}

function parseInternationalText(body: Buffer): { keyword: string; text: string } | undefined {
  const keywordEnd = body.indexOf(0);
  if (keywordEnd < 1 || keywordEnd + 3 > body.length) return undefined;
  const compressed = body[keywordEnd + 1] !== 0;
  if (compressed) return undefined;
  const languageEnd = body.indexOf(0, keywordEnd + 3);
  if (languageEnd < 0) return undefined;
  const translatedEnd = body.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) return undefined;
  return { keyword: body.toString("latin1", 0, keywordEnd), text: body.toString("utf8", translatedEnd + 1) };
}
