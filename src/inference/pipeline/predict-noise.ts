import type { Feed, ModelSession } from "../onnx/model-session.ts";
import type { PromptEmbeddings } from "./encode-prompt.ts";
import { applyGuidance, concatBatch, timestepFeed, unetTakesBatch } from "./unet-feeds.ts";

/** What stays the same for every UNet evaluation of one generation. */
export interface NoisePredictionInputs {
  embeddings: PromptEmbeddings;
  /** diffusers' `do_classifier_free_guidance`: the uncond half runs and the two are mixed by `guidanceScale`. */
  withGuidance: boolean;
  guidanceScale: number;
  /** [1, C, h, w] of the latents. */
  latentShape: readonly number[];
  /** LCM's guidance embedding for UNets that take `timestep_cond` ([1, time_cond_proj_dim]). */
  timestepCond?: Feed;
  /** The most rows one UNet run takes (images × 2 with guidance); more images run in several batches. @default no limit */
  maxBatch?: number;
}

/**
 * One UNet evaluation: the guidance batch (uncond first) in one run, or one run per half when the export has a
 * fixed batch of 1, or the cond half alone when guidance is off (as diffusers, which then never runs the uncond pass).
 */
export async function predictNoise(unet: ModelSession, scaled: Float32Array, t: number, inputs: NoisePredictionInputs): Promise<Float32Array> {
  const { embeddings, latentShape, timestepCond } = inputs;
  const runUnet = async (sample: Float32Array, states: Float32Array, batch: number): Promise<Float32Array> => {
    const feeds: Record<string, Feed> = {
      sample: { data: sample, dims: [batch, ...latentShape.slice(1)] },
      timestep: timestepFeed(unet.input("timestep"), t, batch),
      encoder_hidden_states: { data: states, dims: [batch, ...embeddings.dims.slice(1)] },
    };
    if (timestepCond) feeds.timestep_cond = repeatBatch(timestepCond, batch);
    const out = await unet.run(feeds, ["out_sample"]);
    return out.out_sample!.data;
  };
  if (!inputs.withGuidance) return runUnet(scaled, embeddings.data, 1);
  if (unetTakesBatch(unet.input("sample"), 2)) {
    return applyGuidance(await runUnet(concatBatch([scaled, scaled]), embeddings.data, 2), inputs.guidanceScale);
  }
  const half = embeddings.data.length / 2;
  const uncond = await runUnet(scaled, embeddings.data.subarray(0, half), 1);
  const cond = await runUnet(scaled, embeddings.data.subarray(half), 1);
  return applyGuidance(concatBatch([uncond, cond]), inputs.guidanceScale);
}

/**
 * One UNet evaluation for several images at once (a grid), each with its own latents [1, C, h, w]: as diffusers
 * batches `num_images_per_prompt`, the latents run as one batch of `count` (uncond × count then cond × count with
 * guidance), and each image's prediction is guided alone. An export with a fixed batch axis runs them one by one.
 * Every image's arithmetic is the same as a run of one (tested: byte-identical PNGs).
 */
export async function predictNoiseBatch(unet: ModelSession, scaled: Float32Array[], t: number, inputs: NoisePredictionInputs): Promise<Float32Array[]> {
  const count = scaled.length;
  const one = scaled[0];
  if (count === 1 && one) return [await predictNoise(unet, one, t, inputs)];
  const halves = inputs.withGuidance ? 2 : 1;
  const perRun = Math.max(1, Math.floor((inputs.maxBatch ?? Infinity) / halves));
  if (count > perRun) {
    const out: Float32Array[] = [];
    for (let i = 0; i < count; i += perRun) out.push(...(await predictNoiseBatch(unet, scaled.slice(i, i + perRun), t, inputs)));
    return out;
  }
  if (!unetTakesBatch(unet.input("sample"), count * halves)) {
    const out: Float32Array[] = [];
    for (const latents of scaled) out.push(await predictNoise(unet, latents, t, inputs));
    return out;
  }
  const { embeddings, latentShape, timestepCond } = inputs;
  const batch = count * halves;
  const perText = embeddings.data.length / halves;
  const texts = Array.from({ length: halves }, (_, h) => embeddings.data.subarray(h * perText, (h + 1) * perText));
  const feeds: Record<string, Feed> = {
    sample: { data: concatBatch(Array.from({ length: halves }, () => scaled).flat()), dims: [batch, ...latentShape.slice(1)] },
    timestep: timestepFeed(unet.input("timestep"), t, batch),
    encoder_hidden_states: { data: concatBatch(texts.flatMap((text) => Array.from({ length: count }, () => text))), dims: [batch, ...embeddings.dims.slice(1)] },
  };
  if (timestepCond) feeds.timestep_cond = repeatBatch(timestepCond, batch);
  const out = (await unet.run(feeds, ["out_sample"])).out_sample!.data;
  const size = out.length / batch;
  const row = (b: number) => out.subarray(b * size, (b + 1) * size);
  if (!inputs.withGuidance) return Array.from({ length: count }, (_, i) => row(i).slice());
  return Array.from({ length: count }, (_, i) => applyGuidance(concatBatch([row(i), row(count + i)]), inputs.guidanceScale));
}

/** A [1, …] feed repeated along the batch axis. */
function repeatBatch(feed: Feed, batch: number): Feed {
  if (batch === 1) return feed;
  const data = Array.from(feed.data as ArrayLike<number>);
  return { data: Array.from({ length: batch }, () => data).flat(), dims: [batch, ...feed.dims.slice(1)] };
}
