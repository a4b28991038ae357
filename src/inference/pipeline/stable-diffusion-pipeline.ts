import { randomBytes } from "node:crypto";
import { cropAndResize } from "../image/crop-and-resize.ts";
import { decodeImage, type DecodeOptions, type RgbImage } from "../image/decode-image.ts";
import { encodePng, type GenerationParameters } from "../image/png-parameters.ts";
import { fitSize } from "../image/target-size.ts";
import type { ModelSessionOptions } from "../onnx/model-session.ts";
import type { ExecutionProviderName } from "../onnx/execution-providers.ts";
import { TorchGenerator } from "../random/torch-generator.ts";
import { createScheduler, loadSchedulerConfig } from "../schedulers/create-scheduler.ts";
import { getImg2ImgTimesteps } from "../schedulers/img2img-timesteps.ts";
import type { SchedulerConfigFile } from "../schedulers/scheduler-config.ts";
import { ClipTokenizer } from "../tokenizer/clip-tokenizer.ts";
import { encodePrompt } from "./encode-prompt.ts";
import { GenerationCancelledError, InvalidOptionError } from "./errors.ts";
import { promptWarnings, type GeneratedImage, type GenerationResult } from "./generation-result.ts";
import { checkNumber, checkSide, resolveCommonOptions, type Img2ImgOptions, type ResolvedCommonOptions, type Txt2ImgOptions } from "./generation-options.ts";
import { DEFAULT_STRENGTH, denoisingSteps } from "./img2img-strength.ts";
import { latentPreview } from "./latent-preview.ts";
import { SAMPLER_LABELS } from "./sampler-labels.ts";
import { scale } from "./latents.ts";
import { loadSessions, type PipelineSessions } from "./load-sessions.ts";
import { recognizeFamily, type GenerationDefaults, type ModelFamily } from "./model-family.ts";
import { resolveModelFolder, type ModelFolder } from "./model-folder.ts";
import { guidanceScaleEmbedding } from "./guidance-embedding.ts";
import { pipelineSchedulerConfig } from "./pipeline-scheduler-config.ts";
import { predictNoiseBatch } from "./predict-noise.ts";
import { SafetyChecker } from "./safety-checker.ts";
import { initialNoise, type Variation } from "./variation-noise.ts";
import { decodeLatents, encodeImageLatents } from "./vae-latents.ts";

export type { GeneratedImage, GenerationResult, GenerationTimings } from "./generation-result.ts";

export interface PipelineLoadOptions extends ModelSessionOptions {
  /** Limits for decoding input images (pixel limit against decompression bombs, byte cap). */
  decode?: DecodeOptions;
  /**
   * The most rows one UNet run may take: a grid of n images is n × 2 rows with guidance; past this it runs in several
   * batches (the same images: each image's arithmetic does not depend on its batch). Bounds the UNet's activation
   * memory, which grows with rows × pixels.
   * @default 8 (a grid of 4 with guidance in one run)
   */
  maxUnetBatch?: number;
}


const DEFAULT_MAX_UNET_BATCH = 8;

/** One generation's checked options; `img2img` is absent for txt2img. */
interface GenerationPlan {
  common: ResolvedCommonOptions & Pick<Img2ImgOptions, "onProgress" | "signal" | "model">;
  /** txt2img's size; img2img's when both sides were given (otherwise it follows the input image). */
  size: { width: number; height: number } | undefined;
  img2img?: { image: Buffer | Uint8Array; strength: number; maxPixels: number };
}

/**
 * Stable Diffusion img2img and txt2img on ONNX Runtime with diffusers' semantics: the same seed gives the
 * same noise as `torch.Generator().manual_seed(seed)`, timesteps and strength follow diffusers' schedulers, and
 * every input's dtype and shape is read from the sessions so any standard SD ONNX export loads.
 * Load once; the four sessions are reused for every generation. Not re-entrant: run one generation at a time.
 */
export class StableDiffusionPipeline {
  private constructor(
    readonly model: ModelFolder,
    /** The model's family, recognised at load from its own configs and inputs; it decides {@link defaults}. */
    readonly family: ModelFamily,
    private readonly tokenizer: ClipTokenizer,
    private readonly sessions: PipelineSessions,
    private readonly schedulerConfig: SchedulerConfigFile,
    private readonly decodeOptions: DecodeOptions,
    /** The most rows one UNet run takes (a grid's images × 2 with guidance); more run in several batches. */
    private readonly maxUnetBatch: number,
    /** The export's `safety_checker`, run on every result; absent when the folder has none. */
    private readonly safetyChecker?: SafetyChecker,
  ) {}

  /**
   * Loads a diffusers/optimum SD ONNX export folder (SD 1.x, SD 2.x, SD-Turbo, LCM).
   * @throws {ModelFolderError} when a part is missing or the family cannot be recognised (the message says what was found)
   */
  static async load(modelDir: string, options: PipelineLoadOptions = {}): Promise<StableDiffusionPipeline> {
    const model = await resolveModelFolder(modelDir);
    const tokenizer = await ClipTokenizer.fromDir(model.tokenizerDir);
    const schedulerConfig = await loadSchedulerConfig(modelDir);
    const sessions = await loadSessions(model, options);
    try {
      const family = recognizeFamily({
        model,
        schedulerConfig,
        unetInputs: sessions.unet.inputs,
        textOutput: sessions.textEncoder.outputs.get("last_hidden_state"),
        padsWithOtherThanEos: tokenizer.padTokenId !== tokenizer.eosTokenId,
      });
      options.log?.(`${model.name}: ${family.label}; defaults: steps ${family.defaults.steps}, guidance ${family.defaults.guidanceScale}, ${family.defaults.scheduler}`);
      const safetyChecker = await SafetyChecker.load(modelDir, options);
      return new StableDiffusionPipeline(model, family, tokenizer, sessions, schedulerConfig, options.decode ?? {}, options.maxUnetBatch ?? DEFAULT_MAX_UNET_BATCH, safetyChecker);
    } catch (error) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw error;
    }
  }

  /** What generations use for the options they are not given: the family's steps and guidance, the folder's scheduler, the native size. */
  get defaults(): GenerationDefaults {
    return this.family.defaults;
  }

  /** The execution provider the UNet runs on. */
  get provider(): ExecutionProviderName {
    return this.sessions.unet.provider;
  }

  async img2img(options: Img2ImgOptions): Promise<GenerationResult> {
    // A family with its own img2img default (SD-Turbo) gives the steps and strength left out.
    const own = this.defaults.img2img;
    const defaults = own ? { ...this.defaults, steps: own.steps } : this.defaults;
    const common = { ...resolveCommonOptions(options, defaults), onProgress: options.onProgress, signal: options.signal, model: options.model };
    const strength = checkNumber("strength", options.strength ?? own?.strength ?? DEFAULT_STRENGTH, 0, 1, { minExclusive: true });
    denoisingSteps(common.steps, strength, common.scheduler, this.defaults.lcmDistilled ?? false);
    if ((options.width === undefined) !== (options.height === undefined)) {
      throw new InvalidOptionError("width", "Give both `width` and `height`, or neither");
    }
    const size = options.width === undefined ? undefined : { width: checkSide("width", options.width), height: checkSide("height", options.height) };
    const maxPixels = options.maxPixels ?? this.defaults.width * this.defaults.height;
    return this.generate({ common, size, img2img: { image: options.image, strength, maxPixels } });
  }

  async txt2img(options: Txt2ImgOptions): Promise<GenerationResult> {
    const common = { ...resolveCommonOptions(options, this.defaults), onProgress: options.onProgress, signal: options.signal, model: options.model };
    const size = { width: checkSide("width", options.width ?? this.defaults.width), height: checkSide("height", options.height ?? this.defaults.height) };
    return this.generate({ common, size });
  }

  /** Whether results are checked by the export's safety checker (their `nsfwFlagged` is then set). */
  get hasSafetyChecker(): boolean {
    return this.safetyChecker !== undefined;
  }

  async release(): Promise<void> {
    await Promise.all([...Object.values(this.sessions).map((s) => s.release()), this.safetyChecker?.release()]);
  }

  /** diffusers' `__call__` for both modes, step by step; the options were checked by img2img / txt2img. */
  private async generate({ common, size: givenSize, img2img }: GenerationPlan): Promise<GenerationResult> {
    const { textEncoder, unet, vaeEncoder, vaeDecoder } = this.sessions;
    const started = performance.now();
    const runMsBefore = this.sessionRunMs();
    const unetRunsBefore = unet.runCount;
    const checkCancelled = () => {
      if (common.signal?.aborted) throw new GenerationCancelledError();
    };
    checkCancelled();

    // 1. Call parameters: one seeded generator and one fresh scheduler per image (seed, seed + 1, … as diffusers'
    //    list of generators), whether classifier-free guidance runs (diffusers: guidance_scale > 1; never for an
    //    LCM-distilled UNet, which takes the guidance as an embedding)
    const seed = common.seed ?? randomBytes(8).readBigUInt64LE();
    const seeds = Array.from({ length: common.count }, (_, i) => (seed + BigInt(i)) % 2n ** 64n);
    const generators = seeds.map((s) => new TorchGenerator(s));
    const lcmPipeline = common.scheduler === "lcm" && this.defaults.lcmDistilled === true;
    const schedulerConfig = pipelineSchedulerConfig(this.schedulerConfig, lcmPipeline);
    const schedulers = seeds.map(() => createScheduler(common.scheduler, schedulerConfig));
    const scheduler = schedulers[0]!;
    const condDim = this.family.timeCondProjDim;
    const withGuidance = condDim === undefined && common.guidanceScale > 1;

    // 2. Encode the prompt (and the negative prompt, with guidance)
    const embeddings = await encodePrompt(this.tokenizer, textEncoder, common.prompt, common.negativePrompt, withGuidance);
    checkCancelled();

    // 3. Preprocess the image: decode safely (a big JPEG shrunk on load), pick the size from the source's,
    //    centre-crop to its aspect, resize
    let size = givenSize;
    let image: RgbImage | undefined;
    if (img2img) {
      const pickSize = (width: number, height: number) => (size ??= fitSize(width, height, { maxPixels: img2img.maxPixels, multiple: 64 }));
      const decoded = await decodeImage(img2img.image, { ...this.decodeOptions, shrinkOnLoadFor: pickSize });
      const target = pickSize(decoded.width, decoded.height);
      image = await cropAndResize(decoded, target.width, target.height);
      checkCancelled();
    }
    if (!size) throw new Error("unreachable: txt2img always has a size");
    const latentShape = [1, 4, size.height / this.model.vaeScaleFactor, size.width / this.model.vaeScaleFactor];

    // 4. Timesteps: the whole schedule, or for img2img diffusers' get_timesteps (strength picks the start)
    let timesteps: number[] = [];
    for (const each of schedulers) {
      if (img2img) timesteps = getImg2ImgTimesteps(each, common.steps, img2img.strength, this.defaults.lcmDistilled).timesteps;
      else {
        each.setTimesteps(common.steps);
        timesteps = [...each.timesteps];
      }
    }

    // 5. Latents, each image from its own generator: noise × init σ, or the encoded image noised to the first
    //    timestep (latent draw, then noise); a variation seed's noise is slerped into that noise (A1111's variation
    //    seed; image k's variation seed is variationSeed + k, as its seed is seed + k)
    let latents: Float32Array[] = [];
    for (const [k, generator] of generators.entries()) {
      const variation = variationOf(common.variation, k);
      if (image) {
        const initLatents = await encodeImageLatents(vaeEncoder, image, this.model.scalingFactor, generator);
        latents.push(schedulers[k]!.addNoise(initLatents, initialNoise(generator, latentShape, variation), timesteps[0]!));
      } else {
        latents.push(scale(initialNoise(generator, latentShape, variation), scheduler.initNoiseSigma));
      }
    }

    // 6. Guidance embedding of w = guidance − 1 for LCM-distilled UNets (their `timestep_cond`)
    const timestepCond = condDim === undefined ? undefined : { data: guidanceScaleEmbedding(common.guidanceScale - 1, condDim), dims: [1, condDim] };

    // 7. Denoising loop
    const inputs = { embeddings, withGuidance, guidanceScale: common.guidanceScale, latentShape, timestepCond, maxBatch: this.maxUnetBatch };
    for (const [i, t] of timesteps.entries()) {
      checkCancelled();
      const scaled = latents.map((each, k) => schedulers[k]!.scaleModelInput(each, t));
      const noisePreds = await predictNoiseBatch(unet, scaled, t, inputs);
      latents = latents.map((each, k) => schedulers[k]!.step(noisePreds[k]!, t, each, { eta: common.eta, generator: generators[k]!, shape: latentShape }));
      // The preview reads the first image's model input (unit-variance latents for every scheduler), only when asked.
      const preview = common.preview && common.onProgress && scaled[0] ? latentPreview(scaled[0], latentShape) : undefined;
      common.onProgress?.({ step: i + 1, totalSteps: timesteps.length, timestep: t, elapsedMs: performance.now() - started, ...(preview && { preview }) });
    }
    checkCancelled();

    // 8. Decode each image's latents, and write its PNG with its own parameters
    const images: GeneratedImage[] = [];
    for (const [k, each] of latents.entries()) {
      const decoded = await decodeLatents(vaeDecoder, each, latentShape, this.model.scalingFactor, size);
      const nsfwFlagged = await this.safetyChecker?.isFlagged(decoded);
      const parameters: GenerationParameters = {
        prompt: common.prompt,
        negativePrompt: common.negativePrompt || undefined,
        steps: common.steps,
        sampler: SAMPLER_LABELS[common.scheduler],
        cfgScale: common.guidanceScale,
        seed: seeds[k]!.toString(),
        ...variationParameters(variationOf(common.variation, k)),
        ...size,
        strength: img2img?.strength,
        model: common.model?.name ?? this.model.name,
        ...(common.model?.hash !== undefined && { modelHash: common.model.hash }),
      };
      const png = await encodePng(decoded, parameters);
      images.push({ image: decoded, png, seed: seeds[k]!, parameters, ...(nsfwFlagged !== undefined && { nsfwFlagged }) });
    }
    const first = images[0]!;
    const totalMs = performance.now() - started;
    return {
      ...first,
      ...size,
      images,
      warnings: promptWarnings(embeddings.truncatedTokens, this.tokenizer.modelMaxLength),
      timings: {
        totalMs,
        sessionRunMs: this.sessionRunMs() - runMsBefore,
        denoiseSteps: timesteps.length,
        unetRuns: unet.runCount - unetRunsBefore,
        msPerStep: timesteps.length ? totalMs / timesteps.length : 0,
      },
    };
  }

  private sessionRunMs(): number {
    return Object.values(this.sessions).reduce((ms, s) => ms + s.runMs, 0);
  }
}

/** Image k of a batch varies with variation seed + k (as its seed is seed + k); none without a variation. */
function variationOf(variation: Variation | undefined, k: number): Variation | undefined {
  return variation && { seed: (variation.seed + BigInt(k)) % 2n ** 64n, strength: variation.strength };
}

function variationParameters(variation: Variation | undefined): Pick<GenerationParameters, "variationSeed" | "variationStrength"> {
  return variation ? { variationSeed: variation.seed.toString(), variationStrength: variation.strength } : {};
}
