import type { SchedulerConfig } from "./scheduler-config.ts";

const f32 = Math.fround;

/** The training noise schedule, as float32 values exactly as diffusers builds its torch tensors. */
export interface NoiseSchedule {
  betas: Float32Array;
  alphas: Float32Array;
  /** ᾱ_t, the cumulative product of the alphas. */
  alphasCumprod: Float32Array;
}

type BetaConfig = Pick<SchedulerConfig, "num_train_timesteps" | "beta_start" | "beta_end" | "beta_schedule" | "trained_betas"> & {
  rescale_betas_zero_snr?: boolean;
};

/**
 * betas, alphas = 1 − betas and alphas_cumprod from a scheduler config, rounded as diffusers' float32 torch
 * code rounds them: `torch.linspace` in float32 (then squared for "scaled_linear"), the cosine schedule in
 * double then cast, and `torch.cumprod`, which on CPU accumulates in double and stores each product as float32.
 *
 * @example computeNoiseSchedule(SD15_SCHEDULER_CONFIG).alphasCumprod[951] // ≈ 0.0081550
 */
export function computeNoiseSchedule(config: BetaConfig): NoiseSchedule {
  let betas = trainingBetas(config);
  if (config.rescale_betas_zero_snr) betas = rescaleZeroTerminalSnr(betas);
  const alphas = betas.map((beta) => 1 - beta);
  return { betas, alphas, alphasCumprod: cumprod(alphas) };
}

function trainingBetas(config: BetaConfig): Float32Array {
  const n = config.num_train_timesteps;
  if (config.trained_betas) return Float32Array.from(config.trained_betas);
  switch (config.beta_schedule) {
    case "linear":
      return torchLinspace(config.beta_start, config.beta_end, n);
    case "scaled_linear":
      // Specific to latent diffusion: linear in sqrt(beta), squared in float32.
      return torchLinspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((x) => x * x);
    case "squaredcos_cap_v2":
      return cosineBetas(n);
  }
}

/** `torch.linspace(start, end, steps, dtype=torch.float32)` on CPU: float32 steps, the second half counted back from `end`. */
export function torchLinspace(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  const first = f32(start);
  const last = f32(end);
  if (steps === 1) {
    out[0] = first;
    return out;
  }
  const step = f32(f32(last - first) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? first + f32(step * i) : last - f32(step * (steps - i - 1));
  }
  return out;
}

/** Glide's cosine schedule (`betas_for_alpha_bar` with the cosine transform, max beta 0.999). */
function cosineBetas(n: number): Float32Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const betas = new Float32Array(n);
  for (let i = 0; i < n; i++) betas[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return betas;
}

/** `torch.cumprod` of a float32 tensor on CPU: a double accumulator, each partial product stored as float32. */
function cumprod(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  let product = 1;
  for (let i = 0; i < values.length; i++) {
    product *= values[i]!;
    out[i] = product;
  }
  return out;
}

/** diffusers' `rescale_zero_terminal_snr` (arXiv 2305.08891, Algorithm 1) in float32. */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const sqrtCumprod = cumprod(betas.map((beta) => 1 - beta)).map(Math.sqrt);
  const first = sqrtCumprod[0] ?? 1;
  const last = sqrtCumprod[sqrtCumprod.length - 1] ?? 0;
  const scale = f32(first / f32(first - last));
  const alphasBar = sqrtCumprod.map((x) => {
    const shifted = f32(f32(x - last) * scale);
    return shifted * shifted;
  });
  return alphasBar.map((bar, i) => 1 - (i === 0 ? bar : f32(bar / alphasBar[i - 1]!)));
}
