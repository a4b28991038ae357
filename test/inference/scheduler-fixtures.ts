/**
 * Fixtures ported from diffusers' tests/schedulers/test_schedulers.py (SchedulerCommonTest), so our loops can be
 * compared with the reference sums in diffusers' own scheduler tests.
 */
import type { Generator } from "../../src/inference/random/generator.ts";
import type { Scheduler } from "../../src/inference/schedulers/scheduler.ts";

const f32 = Math.fround;
const [BATCH, CHANNELS, HEIGHT, WIDTH] = [4, 3, 8, 8];
export const DUMMY_SHAPE = [BATCH, CHANNELS, HEIGHT, WIDTH];
const COUNT = BATCH * CHANNELS * HEIGHT * WIDTH;

/**
 * `torch.arange(n).reshape(C, H, W, B) / n` permuted to [B, C, H, W], laid out contiguously in [B, C, H, W] order
 * (the order torch.randn fills, which matters wherever noise is added to it). `flip` gives `dummy_noise_deter`.
 */
function deterministic(flip: boolean): Float32Array {
  const out = new Float32Array(COUNT);
  for (let b = 0; b < BATCH; b++) {
    for (let c = 0; c < CHANNELS; c++) {
      for (let h = 0; h < HEIGHT; h++) {
        for (let w = 0; w < WIDTH; w++) {
          const k = ((c * HEIGHT + h) * WIDTH + w) * BATCH + b;
          out[((b * CHANNELS + c) * HEIGHT + h) * WIDTH + w] = f32((flip ? COUNT - 1 - k : k) / COUNT);
        }
      }
    }
  }
  return out;
}

export const dummySampleDeter = (): Float32Array => deterministic(false);
export const dummyNoiseDeter = (): Float32Array => deterministic(true);

/** diffusers' dummy model: `sample * t / (t + 1)` in float32. */
export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const tf = f32(t);
  const next = f32(t + 1);
  return sample.map((x) => f32(x * tf) / next);
}

/** `torch.sum(torch.abs(x))` and `torch.mean(torch.abs(x))`. */
export function absSumAndMean(values: Float32Array): { sum: number; mean: number } {
  let sum = 0;
  for (const v of values) sum += Math.abs(v);
  return { sum, mean: sum / values.length };
}

/**
 * The denoising loop of diffusers' scheduler tests: optionally `add_noise` to the first timestep, then
 * `scale_model_input` → model → `step` for each timestep. Like Euler a's test, `step` gets the scaled sample.
 */
export function runDummyLoop(
  scheduler: Scheduler,
  timesteps: readonly number[],
  sample: Float32Array,
  options: { generator?: Generator; eta?: number; noise?: Float32Array } = {},
): Float32Array {
  let x = options.noise ? scheduler.addNoise(sample, options.noise, timesteps[0]!) : sample;
  for (const t of timesteps) {
    x = scheduler.scaleModelInput(x, t);
    x = scheduler.step(dummyModel(x, t), t, x, { generator: options.generator, eta: options.eta, shape: DUMMY_SHAPE });
  }
  return x;
}
