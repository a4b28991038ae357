import { open } from "node:fs/promises";

/**
 * Whether an ONNX file mentions an operator type, by scanning its bytes for the name (op_type strings are stored
 * as plain UTF-8 in the protobuf). Cheap enough for load time, and avoids decoding a graph of hundreds of MB.
 * A false positive needs the name to appear elsewhere, e.g. in a node's name: fine for a warning.
 */
export async function graphUsesOp(path: string, opType: string): Promise<boolean> {
  const needle = Buffer.from(opType, "utf8");
  const handle = await open(path, "r");
  try {
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let carry = Buffer.alloc(0);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return false;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (window.includes(needle)) return true;
      carry = window.subarray(Math.max(0, window.length - needle.length + 1));
    }
  } finally {
    await handle.close();
  }
}
