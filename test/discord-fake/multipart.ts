import type { MultipartBody, MultipartFile } from "./types.ts";

/**
 * Parses a multipart/form-data body the way Discord reads one: `payload_json` holds the JSON part and
 * `files[n]` the uploads. It leans on undici's own parser (`Response#formData`), which Node 20 ships.
 */
export async function parseMultipart(body: Buffer, contentType: string): Promise<MultipartBody> {
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  const fields: Record<string, string> = {};
  const files: MultipartFile[] = [];
  for (const [name, value] of form) {
    if (typeof value === "string") {
      fields[name] = value;
    } else {
      files.push({
        name,
        filename: value.name,
        contentType: value.type || "application/octet-stream",
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  const { payload_json: payloadJson, ...rest } = fields;
  return { payload_json: payloadJson === undefined ? undefined : JSON.parse(payloadJson), fields: rest, files };
}
