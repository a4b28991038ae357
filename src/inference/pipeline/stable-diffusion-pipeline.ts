import { randomBytes } from "node:crypto";
import { cropAndResize } from "../image/crop-and-resize.ts";
import { decodeImage, type DecodeOptions } from "../image/decode-image.ts";
import { imageToTensor, tensorToImage } from "../image/image-tensor.ts";
import type { RgbImage } from "../image/decode-image.ts";
import { encodePng, type GenerationParameters } from "../image/png-parameters.ts";
import { fitSize } from "../image/target-size.ts";
import { graphUsesOp } from "../onnx/graph-uses-op.ts";
import { ModelSession, type ModelSessionOptions } from "../onnx/model-session.ts";
import type { ExecutionProviderName } from "../onnx/execution-providers.ts";
import { TorchGenerator } from "../random/torch-generator.ts";
import { createScheduler, loadSchedulerConfig } from "../schedulers/create-scheduler.ts";
import { getImg2ImgTimesteps } from "../schedulers/img2img-timesteps.ts";
import type { Scheduler, SchedulerName } from "../schedulers/scheduler.ts";
import type { SchedulerConfig } from "../schedulers/scheduler-config.ts";
import { ClipTokenizer } from "../tokenizer/clip-tokenizer.ts";
import { encodePrompt, type PromptEmbeddings } from "./encode-prompt.ts";
import { GenerationCancelledError, InvalidOptionError, ModelFolderError } from "./errors.ts";
import {
  DEFAULTS,
  checkNumber,
  checkSide,
  resolveCommonOptions,
  type Img2ImgOptions,
  type ProgressEvent,
  type ResolvedCommonOptions,
  type Txt2ImgOptions,
} from "./generation-options.ts";
import { sampleLatentDistribution, scale, unscale } from "./latents.ts";
import { resolveModelFolder, type ModelFolder } from "./model-folder.ts";
import { applyGuidance, concatBatch, timestepFeed, unetTakesBatch } from "./unet-feeds.ts";

export interface PipelineLoadOptions extends ModelSessionOptions {
  /** Limits for decoding input images (pixel limit against decompression bombs, byte cap). */
  decode?: DecodeOptions;
}

export interface GenerationTimings {
  totalMs: number;
  /** Time spent inside ONNX Runtime's `session.run`, all models together. */
  sessionRunMs: number;
  /** Denoising steps run (= UNet evaluations of the guidance batch). */
  denoiseSteps: number;
  unetRuns: number;
  msPerStep: number;
}

export interface GenerationResult {
  image: RgbImage;
  /** PNG with an A1111-style `parameters` text chunk: the file tells its own seed. */
  png: Buffer;
  seed: bigint;
  width: number;
  height: number;
  parameters: GenerationParameters;
  timings: GenerationTimings;
  /** Things the user should know, e.g. a prompt cut to fit CLIP's 77 tokens. */
  warnings: string[];
}

const SAMPLER_LABELS: Record<SchedulerName, string> = { ddim: "DDIM", "dpm++2m": "DPM++ 2M", "euler-a": "Euler a" };

/**
 * Stable Diffusion 1.5 img2img and txt2img on ONNX Runtime with diffusers' semantics: the same seed gives the
 * same noise as `torch.Generator().manual_seed(seed)`, timesteps and strength follow diffusers' schedulers, and
 * every input's dtype and shape is read from the sessions so any standard SD 1.5 ONNX export loads.
 * Load once; the four sessions are reused for every generation. Not re-entrant: run one generation at a time.
 */
export class StableDiffusionPipeline {
  private constructor(
    readonly model: ModelFolder,
    private readonly tokenizer: ClipTokenizer,
    private readonly textEncoder: ModelSession,
    private readonly unet: ModelSession,
    private readonly vaeEncoder: ModelSession,
    private readonly vaeDecoder: ModelSession,
    private readonly schedulerConfig: Partial<SchedulerConfig>,
    private readonly decodeOptions: DecodeOptions,
  ) {}

  /** Loads a diffusers/optimum SD 1.5 ONNX export folder. */
  static async load(modelDir: string, options: PipelineLoadOptions = {}): Promise<StableDiffusionPipeline> {
    const model = await resolveModelFolder(modelDir);
    const tokenizer = await ClipTokenizer.fromDir(model.tokenizerDir);
    const schedulerConfig = await loadSchedulerConfig(modelDir);
    const sessions: ModelSession[] = [];
    try {
      // Sequential on purpose: loading four graphs at once doubles peak memory for the same total time.
      for (const part of ["text_encoder", "unet", "vae_encoder", "vae_decoder"] as const) {
        sessions.push(await ModelSession.load(part, model.paths[part], options));
      }
    } catch (error) {
      await Promise.all(sessions.map((s) => s.release()));
      throw error;
    }
    const [textEncoder, unet, vaeEncoder, vaeDecoder] = sessions as [ModelSession, ModelSession, ModelSession, ModelSession];
    checkExport(unet, vaeEncoder);
    if (vaeEncoder.hasOutput("latent_sample") && (await graphUsesOp(model.paths.vae_encoder, "RandomNormal"))) {
      // diffusers' export script traces latent_dist.sample(): the graph draws its own noise, which no seed reaches.
      options.log?.(
        "vae_encoder draws its latent sample inside the graph (RandomNormalLike): img2img results with the same seed " +
          "will differ between runs. An optimum export (latent_parameters output) is fully reproducible.",
      );
    }
    return new StableDiffusionPipeline(model, tokenizer, textEncoder, unet, vaeEncoder, vaeDecoder, schedulerConfig, options.decode ?? {});
  }

  /** The execution provider the UNet runs on. */
  get provider(): ExecutionProviderName {
    return this.unet.provider;
  }

  async img2img(options: Img2ImgOptions): Promise<GenerationResult> {
    // 1. Check inputs
    const common = { ...resolveCommonOptions(options), onProgress: options.onProgress, signal: options.signal };
    const strength = checkNumber("strength", options.strength ?? DEFAULTS.strength, 0, 1, { minExclusive: true });
    if (Math.floor(common.steps * strength) < 1) {
      throw new InvalidOptionError("strength", `strength ${strength} × ${common.steps} steps leaves no denoising step; raise either`);
    }
    if ((options.width === undefined) !== (options.height === undefined)) {
      throw new InvalidOptionError("width", "Give both `width` and `height`, or neither");
    }
    return this.run(common, async (ctx) => {
      // 2. Preprocess the image: decode safely, centre-crop to the target aspect, resize
      const decoded = await decodeImage(options.image, this.decodeOptions);
      const { width, height } =
        options.width !== undefined
          ? { width: checkSide("width", options.width), height: checkSide("height", options.height) }
          : fitSize(decoded.width, decoded.height, { maxPixels: options.maxPixels ?? DEFAULTS.maxPixels, multiple: 64 });
      const image = await cropAndResize(decoded, width, height);
      ctx.checkCancelled();
      // 3. Timesteps: diffusers' get_timesteps (strength picks where in the schedule denoising starts)
      const { timesteps } = getImg2ImgTimesteps(ctx.scheduler, common.steps, strength);
      // 4. Latents: VAE-encode (sampling the latent distribution first, then the noise, as diffusers draws them)
      const encoded = await this.vaeEncoder.run({ sample: { data: imageToTensor(image), dims: [1, 3, height, width] } }, [this.vaeEncoderOutput]);
      const raw = encoded[this.vaeEncoderOutput]!;
      const latentSample = this.vaeEncoderOutput === "latent_parameters" ? sampleLatentDistribution(raw.data, raw.dims, ctx.generator) : raw;
      const initLatents = scale(latentSample.data, this.model.scalingFactor);
      const latentShape = [1, 4, height / 8, width / 8];
      const noise = ctx.generator.randn(latentShape);
      const latents = ctx.scheduler.addNoise(initLatents, noise, timesteps[0]!);
      return { width, height, latents, latentShape, timesteps, strength };
    });
  }

  async txt2img(options: Txt2ImgOptions): Promise<GenerationResult> {
    const common = { ...resolveCommonOptions(options), onProgress: options.onProgress, signal: options.signal };
    const width = checkSide("width", options.width ?? DEFAULTS.size);
    const height = checkSide("height", options.height ?? DEFAULTS.size);
    return this.run(common, async (ctx) => {
      ctx.scheduler.setTimesteps(common.steps);
      const latentShape = [1, 4, height / 8, width / 8];
      const latents = scale(ctx.generator.randn(latentShape), ctx.scheduler.initNoiseSigma);
      return { width, height, latents, latentShape, timesteps: [...ctx.scheduler.timesteps], strength: undefined };
    });
  }

  async release(): Promise<void> {
    await Promise.all([this.textEncoder, this.unet, this.vaeEncoder, this.vaeDecoder].map((s) => s.release()));
  }

  private get vaeEncoderOutput(): "latent_sample" | "latent_parameters" {
    return this.vaeEncoder.hasOutput("latent_sample") ? "latent_sample" : "latent_parameters";
  }

  private sessionRunMs(): number {
    return this.textEncoder.runMs + this.unet.runMs + this.vaeEncoder.runMs + this.vaeDecoder.runMs;
  }

  /** The part both modes share: prompt encoding, the denoising loop, decoding, PNG. */
  private async run(
    common: ResolvedCommonOptions & { onProgress?: (e: ProgressEvent) => void; signal?: AbortSignal },
    prepare: (ctx: RunContext) => Promise<PreparedLatents>,
  ): Promise<GenerationResult> {
    const started = performance.now();
    const runMsBefore = this.sessionRunMs();
    const unetRunsBefore = this.unet.runCount;
    const seed = common.seed ?? randomBytes(8).readBigUInt64LE();
    const signal = common.signal;
    const ctx: RunContext = {
      generator: new TorchGenerator(seed),
      scheduler: createScheduler(common.scheduler, this.schedulerConfig),
      checkCancelled: () => {
        if (signal?.aborted) throw new GenerationCancelledError();
      },
    };
    ctx.checkCancelled();
    const withGuidance = common.guidanceScale > 1;
    const embeddings = await encodePrompt(this.tokenizer, this.textEncoder, common.prompt, common.negativePrompt, withGuidance);
    ctx.checkCancelled();
    const prepared = await prepare(ctx);
    // Denoising loop
    let latents = prepared.latents;
    const total = prepared.timesteps.length;
    for (let i = 0; i < total; i++) {
      ctx.checkCancelled();
      const t = prepared.timesteps[i]!;
      const noisePred = await this.predictNoise(ctx.scheduler.scaleModelInput(latents, t), t, embeddings, withGuidance, common.guidanceScale, prepared.latentShape);
      latents = ctx.scheduler.step(noisePred, t, latents, { eta: common.eta, generator: ctx.generator, shape: prepared.latentShape });
      common.onProgress?.({ step: i + 1, totalSteps: total, timestep: t, elapsedMs: performance.now() - started });
    }
    ctx.checkCancelled();
    // Decode: latents / scaling factor → image in [−1, 1]
    const decoded = await this.vaeDecoder.run(
      { latent_sample: { data: unscale(latents, this.model.scalingFactor), dims: prepared.latentShape } },
      ["sample"],
    );
    const image = tensorToImage(decoded.sample!.data, prepared.width, prepared.height);
    const parameters: GenerationParameters = {
      prompt: common.prompt,
      negativePrompt: common.negativePrompt || undefined,
      steps: common.steps,
      sampler: SAMPLER_LABELS[common.scheduler],
      cfgScale: common.guidanceScale,
      seed: seed.toString(),
      width: prepared.width,
      height: prepared.height,
      strength: prepared.strength,
      model: this.model.name,
    };
    const png = await encodePng(image, parameters);
    const totalMs = performance.now() - started;
    const warnings =
      embeddings.truncatedTokens > 0
        ? [`The prompt is longer than CLIP's ${this.tokenizer.modelMaxLength} tokens; the last ${embeddings.truncatedTokens} were ignored.`]
        : [];
    return {
      image,
      png,
      seed,
      width: prepared.width,
      height: prepared.height,
      parameters,
      warnings,
      timings: {
        totalMs,
        sessionRunMs: this.sessionRunMs() - runMsBefore,
        denoiseSteps: total,
        unetRuns: this.unet.runCount - unetRunsBefore,
        msPerStep: total ? totalMs / total : 0,
      },
    };
  }

  /** One UNet evaluation of the guidance batch (uncond first), or of the cond half alone when guidance is off. */
  private async predictNoise(
    scaled: Float32Array,
    t: number,
    embeddings: PromptEmbeddings,
    withGuidance: boolean,
    guidanceScale: number,
    latentShape: number[],
  ): Promise<Float32Array> {
    const sampleInfo = this.unet.input("sample");
    const timestepInfo = this.unet.input("timestep");
    const latentDims = (batch: number) => [batch, ...latentShape.slice(1)];
    const runUnet = async (sample: Float32Array, states: Float32Array, batch: number) => {
      const out = await this.unet.run(
        {
          sample: { data: sample, dims: latentDims(batch) },
          timestep: timestepFeed(timestepInfo, t, batch),
          encoder_hidden_states: { data: states, dims: [batch, ...embeddings.dims.slice(1)] },
        },
        ["out_sample"],
      );
      return out.out_sample!.data;
    };
    if (!withGuidance) return runUnet(scaled, embeddings.data, 1);
    if (unetTakesBatch(sampleInfo, 2)) return applyGuidance(await runUnet(concatBatch([scaled, scaled]), embeddings.data, 2), guidanceScale);
    const half = embeddings.data.length / 2;
    const uncond = await runUnet(scaled, embeddings.data.subarray(0, half), 1);
    const cond = await runUnet(scaled, embeddings.data.subarray(half), 1);
    return applyGuidance(concatBatch([uncond, cond]), guidanceScale);
  }
}

interface RunContext {
  generator: TorchGenerator;
  scheduler: Scheduler;
  checkCancelled(): void;
}

interface PreparedLatents {
  width: number;
  height: number;
  latents: Float32Array;
  latentShape: number[];
  timesteps: number[];
  strength: number | undefined;
}

function checkExport(unet: ModelSession, vaeEncoder: ModelSession): void {
  for (const name of ["sample", "timestep", "encoder_hidden_states"]) unet.input(name);
  if (!unet.hasOutput("out_sample")) throw new ModelFolderError("unet/model.onnx has no `out_sample` output; is it an SD 1.5 UNet export?");
  if (!vaeEncoder.hasOutput("latent_sample") && !vaeEncoder.hasOutput("latent_parameters")) {
    throw new ModelFolderError("vae_encoder/model.onnx has neither `latent_sample` nor `latent_parameters` as output");
  }
}
