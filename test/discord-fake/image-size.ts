/** Width and height of PNG, JPEG, GIF and WebP bytes, as Discord reports them for every image attachment. */
export function imageSize(data: Buffer): { width: number; height: number } | undefined {
  return pngSize(data) ?? jpegSize(data) ?? gifSize(data) ?? webpSize(data);
}

function pngSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 24 || data.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/** The first start-of-frame segment (SOF0–SOF15 except DHT, JPG and DAC) holds the size. */
function jpegSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 < data.length) {
    if (data[offset] !== 0xff) return undefined;
    const marker = data[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    const length = data.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: data.readUInt16BE(offset + 7), height: data.readUInt16BE(offset + 5) };
    }
    offset += 2 + length;
  }
  return undefined;
}

function gifSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 10 || !data.subarray(0, 6).toString("latin1").startsWith("GIF8")) return undefined;
  return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
}

function webpSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 30 || data.toString("latin1", 0, 4) !== "RIFF" || data.toString("latin1", 8, 12) !== "WEBP") return undefined;
  const chunk = data.toString("latin1", 12, 16);
  if (chunk === "VP8 ") return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff };
  if (chunk === "VP8L") {
    const bits = data.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") return { width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 };
  return undefined;
}
