import type { ClipTokenizer } from "../tokenizer/clip-tokenizer.ts";
import type { ModelSession } from "../onnx/model-session.ts";

export interface PromptEmbeddings {
  /** [uncond; cond] stacked along the batch axis when guidance is on, else cond only: [B, 77, D] flat. */
  data: Float32Array;
  /** [B, sequence, D]; D is the text encoder's width as its output says (768 for SD 1.x, 1024 for SD 2.x). */
  dims: number[];
  /** Prompt tokens dropped to fit the encoder's context (77 for CLIP); worth telling the user. */
  truncatedTokens: number;
}

/**
 * diffusers' `encode_prompt`: CLIP-encode the prompt and, with guidance, the negative prompt; the unconditional
 * embedding comes first in the batch. Each is encoded on its own (batch 1), as diffusers' ONNX pipeline does,
 * which also keeps exports with a fixed batch axis working. Each text is tokenized once.
 */
export async function encodePrompt(
  tokenizer: ClipTokenizer,
  textEncoder: ModelSession,
  prompt: string,
  negativePrompt: string,
  withGuidance: boolean,
): Promise<PromptEmbeddings> {
  const encodeOne = async (ids: number[]) => {
    const out = await textEncoder.run({ input_ids: { data: Int32Array.from(ids), dims: [1, ids.length] } }, ["last_hidden_state"]);
    return out.last_hidden_state!;
  };
  const { ids, truncatedTokens } = tokenizer.tokenizeForModel(prompt);
  const cond = await encodeOne(ids);
  if (!withGuidance) return { data: cond.data, dims: cond.dims, truncatedTokens };
  const uncond = await encodeOne(tokenizer.encodeForModel(negativePrompt));
  const data = new Float32Array(uncond.data.length + cond.data.length);
  data.set(uncond.data, 0);
  data.set(cond.data, uncond.data.length);
  return { data, dims: [2, ...cond.dims.slice(1)], truncatedTokens };
}
