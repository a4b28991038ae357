/**
 * PNDMScheduler against diffusers' src/diffusers/schedulers/scheduling_pndm.py: its timesteps, formula (9) and the
 * PLMS weights restated here in double precision, and loop values from diffusers' own code. Those values (`FROM_DIFFUSERS`)
 * were computed by running scheduling_pndm.py unmodified in float32 with numpy standing in for torch (a stand-in
 * that reproduces diffusers' test_scheduler_pndm.py sums), on the loop the pipeline runs:
 * `for t in timesteps: x = step(dummy_model(x, t), t, x)` from `dummy_sample_deter`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getImg2ImgTimesteps } from "../../src/inference/schedulers/img2img-timesteps.ts";
import { PNDMScheduler } from "../../src/inference/schedulers/pndm-scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, dummyModel, dummyNoiseDeter, dummySampleDeter, runDummyLoop } from "./scheduler-fixtures.ts";

const SD15 = { ...SD15_SCHEDULER_CONFIG };
/** SD 1.5's file without `skip_prk_steps`: PNDM's own default (false) applies, so PRK runs first. */
const { skip_prk_steps: _skip, ...SD15_WITHOUT_SKIP } = SD15;
/** diffusers' PNDMSchedulerTest.get_scheduler_config. */
const DIFFUSERS_TEST_CONFIG = { num_train_timesteps: 1000, beta_start: 0.0001, beta_end: 0.02, beta_schedule: "linear" } as const;

/** Final |x| sum and x at indices 0, 1, 100, 383, 767, from diffusers' code (see the file's comment). */
const FROM_DIFFUSERS: Record<string, { config: object; steps: number; tStart?: number; timesteps: number[]; sum: number; picks: number[] }> = {
  "SD 1.5, 5 steps": { config: SD15, steps: 5, timesteps: [801, 601, 601, 401, 201, 1], sum: 195.34929473226657, picks: [0, 0.0026530486065894365, 0.26530489325523376, 0.5073956251144409, 0.508722186088562] },
  "SD 1.5, 2 steps": { config: SD15, steps: 2, timesteps: [501, 1, 1], sum: 377.5329116557259, picks: [0, 0.005127293989062309, 0.5127293467521667, 0.980595052242279, 0.9831587076187134] },
  "SD 1.5, 1 step": { config: SD15, steps: 1, timesteps: [1], sum: 381.3357995154802, picks: [0, 0.005178941413760185, 0.5178940892219543, 0.9904724955558777, 0.9930620193481445] },
  "SD 1.5, 50 steps": { config: SD15, steps: 50, timesteps: [981, 961, ...Array.from({ length: 49 }, (_, i) => 961 - 20 * i)], sum: 203.49923403124558, picks: [0, 0.002763733034953475, 0.27637335658073425, 0.5285642147064209, 0.5299456715583801] },
  "SD 1.5 v_prediction, 10 steps": { config: { ...SD15, prediction_type: "v_prediction" }, steps: 10, timesteps: [901, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1], sum: 81.2891677794396, picks: [0, 0.001103992573916912, 0.11039922386407852, 0.2111385017633438, 0.21169055998325348] },
  "SD 1.5 set_alpha_to_one, 10 steps": { config: { ...SD15, set_alpha_to_one: true }, steps: 10, timesteps: [901, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1], sum: 203.51360887975898, picks: [0, 0.002763929311186075, 0.27639296650886536, 0.5286011695861816, 0.5299835205078125] },
  "SD 1.5 img2img, 10 steps from index 5": { config: SD15, steps: 10, tStart: 5, timesteps: [501, 401, 301, 201, 101, 1], sum: 316.2807639837265, picks: [0.5097209215164185, 0.5086998343467712, 0.4076119065284729, 0.3144374191761017, 0.31392690539360046] },
  "SD 1.5 img2img, 10 steps from index 1": { config: SD15, steps: 10, tStart: 1, timesteps: [801, 801, 701, 601, 501, 401, 301, 201, 101, 1], sum: 238.456148147583, picks: [0.5197511315345764, 0.5175684094429016, 0.3014863133430481, 0.10231980681419373, 0.10122852772474289] },
  "SD 1.5 linspace, 7 steps": { config: { ...SD15, timestep_spacing: "linspace" }, steps: 7, timesteps: [999, 832, 832, 666, 500, 333, 166, 0], sum: 234.87885185482446, picks: [0, 0.0031899032182991505, 0.3189901113510132, 0.6100686192512512, 0.6116636395454407] },
  "SD 1.5 trailing, 7 steps": { config: { ...SD15, timestep_spacing: "trailing" }, steps: 7, timesteps: [999, 856, 856, 713, 570, 428, 285, 142], sum: 197.4376772500109, picks: [0, 0.002681412734091282, 0.26814112067222595, 0.5128198862075806, 0.5141603946685791] },
  "SD 1.5 without skip_prk_steps (PRK), 10 steps": {
    config: SD15_WITHOUT_SKIP,
    steps: 10,
    timesteps: [901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1],
    sum: 201.55346503085457,
    picks: [0, 0.0027373088523745537, 0.2737307846546173, 0.5235100388526917, 0.5248787999153137],
  },
  "PRK, linspace, 6 steps": {
    config: { ...SD15_WITHOUT_SKIP, timestep_spacing: "linspace" },
    steps: 6,
    timesteps: [999, 882, 882, 799, 799, 682, 682, 599, 599, 483, 483, 400, 400, 200, 0],
    sum: 235.82108906109352,
    picks: [0, 0.0032026986591517925, 0.32026976346969604, 0.6125162839889526, 0.6141172647476196],
  },
};

/** Formula (9) in double precision: x_t at ᾱ_t → x at ᾱ_prev, moved by ε. */
function formula9(x: number, alpha: number, alphaPrev: number, eps: number): number {
  const denominator = alpha * Math.sqrt(1 - alphaPrev) + Math.sqrt(alpha * (1 - alpha) * alphaPrev);
  return Math.sqrt(alphaPrev / alpha) * x - ((alphaPrev - alpha) * eps) / denominator;
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

describe("PNDMScheduler timesteps", () => {
  it("are diffusers': PLMS (skip_prk_steps) has the second timestep twice, so steps + 1 entries from 2 steps on", () => {
    for (const [name, { config, steps, tStart, timesteps }] of Object.entries(FROM_DIFFUSERS)) {
      const scheduler = new PNDMScheduler(config);
      scheduler.setTimesteps(steps);
      assert.deepEqual(scheduler.timesteps.slice(tStart ?? 0), timesteps, name);
    }
    const scheduler = new PNDMScheduler(SD15);
    scheduler.setTimesteps(50);
    assert.equal(scheduler.timesteps.length, 51);
  });

  it("PRK by PNDMScheduler's own default: diffusers' test_steps_offset schedule", () => {
    const scheduler = new PNDMScheduler({ ...DIFFUSERS_TEST_CONFIG, steps_offset: 1 });
    assert.equal(scheduler.config.skip_prk_steps, false);
    scheduler.setTimesteps(10);
    assert.deepEqual(scheduler.timesteps, [901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1]);
  });

  it("PRK below 4 steps is refused (diffusers' numpy arithmetic fails there too)", () => {
    const scheduler = new PNDMScheduler(SD15_WITHOUT_SKIP);
    assert.throws(() => scheduler.setTimesteps(3), SchedulerConfigError);
    assert.doesNotThrow(() => scheduler.setTimesteps(4));
  });

  it("has init σ 1, order 1, an unscaled model input, ᾱ_0 past the end (SD 1.5) and refuses `sample` prediction", () => {
    const scheduler = new PNDMScheduler(SD15);
    assert.equal(scheduler.initNoiseSigma, 1);
    assert.equal(scheduler.order, 1);
    assert.equal(scheduler.finalAlphaCumprod, scheduler.alphasCumprod[0]);
    assert.equal(new PNDMScheduler({ ...SD15, set_alpha_to_one: true }).finalAlphaCumprod, 1);
    const x = dummySampleDeter();
    assert.equal(scheduler.scaleModelInput(x), x);
    assert.throws(() => new PNDMScheduler({ ...SD15, prediction_type: "sample" }), SchedulerConfigError);
  });
});

describe("PLMS steps against formula (9) and the multistep weights", () => {
  // One value per step, different enough that a wrong weight or a wrong past ε shows.
  const outputs = [0.3, -0.8, 0.5, 1.1, -0.4, 0.9];

  /** Runs SD 1.5's 5-step schedule on one value, returning what each step got and gave. */
  function runScalar(config: object) {
    const scheduler = new PNDMScheduler(config);
    scheduler.setTimesteps(5);
    const a = (t: number) => (t >= 0 ? scheduler.alphasCumprod[t]! : scheduler.finalAlphaCumprod);
    const samples: number[] = [0.7];
    scheduler.timesteps.forEach((t, i) => samples.push(scheduler.step(Float32Array.of(outputs[i]!), t, Float32Array.of(samples[i]!))[0]!));
    return { a, samples };
  }

  it("step 1 is Euler, step 2 restarts step 1 with the mean ε (Heun), then 2-, 3- and 4-term Adams-Bashforth", () => {
    const { a, samples: x } = runScalar(SD15);
    const [e0, e1, e2, e3, e4, e5] = outputs as [number, number, number, number, number, number];
    // timesteps 801, 601, 601, 401, 201, 1; every step moves 200 down except the restart
    const expected = [
      formula9(x[0]!, a(801), a(601), e0),
      formula9(x[0]!, a(801), a(601), (e0 + e1) / 2), // from the first sample again, not from x[1]
      formula9(x[2]!, a(601), a(401), (3 * e2 - e0) / 2), // the restart's output is not kept
      formula9(x[3]!, a(401), a(201), (23 * e3 - 16 * e2 + 5 * e0) / 12),
      formula9(x[4]!, a(201), a(1), (55 * e4 - 59 * e3 + 37 * e2 - 9 * e0) / 24),
      formula9(x[5]!, a(1), a(-199), (55 * e5 - 59 * e4 + 37 * e3 - 9 * e2) / 24), // only the last 4 kept; ᾱ_0 past the end
    ];
    expected.forEach((value, i) => close(x[i + 1]!, value, 2e-6, `step ${i}`));
  });

  it("v_prediction turns v into ε = √ᾱ·v + √(1−ᾱ)·x before formula (9)", () => {
    const { a, samples: x } = runScalar({ ...SD15, prediction_type: "v_prediction" });
    const eps = (v: number, sample: number, alpha: number) => Math.sqrt(alpha) * v + Math.sqrt(1 - alpha) * sample;
    close(x[1]!, formula9(x[0]!, a(801), a(601), eps(outputs[0]!, x[0]!, a(801))), 2e-6, "first step");
    // the restart converts the mean of the two raw outputs, against the first sample
    close(x[2]!, formula9(x[0]!, a(801), a(601), eps((outputs[0]! + outputs[1]!) / 2, x[0]!, a(801))), 2e-6, "restart");
  });

  it("set_alpha_to_one: the last step goes to ᾱ = 1, so the exact ε recovers x0 (ᾱ_0 when false)", () => {
    const x0 = dummySampleDeter();
    const noise = dummyNoiseDeter();
    for (const [setAlphaToOne, target] of [[true, 1], [false, undefined]] as const) {
      const scheduler = new PNDMScheduler({ ...SD15, set_alpha_to_one: setAlphaToOne });
      scheduler.setTimesteps(1); // one timestep, 1: one Euler step to the end
      const level = target ?? scheduler.alphasCumprod[0]!;
      const out = scheduler.step(noise, 1, scheduler.addNoise(x0, noise, 1));
      x0.forEach((x, i) => close(out[i]!, Math.sqrt(level) * x + Math.sqrt(1 - level) * noise[i]!, 2e-6, `${setAlphaToOne} at ${i}`));
    }
  });
});

describe("PNDMScheduler loops against diffusers' code", () => {
  for (const [name, { config, steps, tStart, sum, picks }] of Object.entries(FROM_DIFFUSERS)) {
    it(name, () => {
      const scheduler = new PNDMScheduler(config);
      scheduler.setTimesteps(steps);
      const timesteps = scheduler.timesteps.slice(tStart ?? 0);
      const result = runDummyLoop(scheduler, timesteps, dummySampleDeter(), tStart === undefined ? {} : { noise: dummyNoiseDeter() });
      close(absSumAndMean(result).sum, sum, 1e-3, "|x| sum");
      [0, 1, 100, 383, 767].forEach((index, k) => close(result[index]!, picks[k]!, 1e-6, `x[${index}]`));
    });
  }

  // diffusers' tests/schedulers/test_scheduler_pndm.py: 10 steps, PRK then PLMS
  for (const [config, sum, mean] of [
    [{}, 198.1318, 0.258],
    [{ prediction_type: "v_prediction" }, 67.3986, 0.0878],
    [{ set_alpha_to_one: true, beta_start: 0.01 }, 230.0399, 0.2995],
    [{ set_alpha_to_one: false, beta_start: 0.01 }, 186.9482, 0.2434],
  ] as const) {
    it(`test_full_loop ${JSON.stringify(config)}: ${sum} / ${mean}`, () => {
      const scheduler = new PNDMScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
      scheduler.setTimesteps(10);
      const result = absSumAndMean(runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter()));
      close(result.sum, sum, 1e-2, "sum");
      close(result.mean, mean, 1e-3, "mean");
    });
  }
});

describe("PNDMScheduler in img2img", () => {
  it("starts where diffusers' get_timesteps slices (no begin index): the counter starts fresh there", () => {
    const scheduler = new PNDMScheduler(SD15);
    const { timesteps, startIndex } = getImg2ImgTimesteps(scheduler, 10, 0.5);
    // floor(10 × 0.5) = 5, t_start = 5 of 11 entries: 6 evaluations, the image noised to 501
    assert.deepEqual({ timesteps, startIndex }, { timesteps: [501, 401, 301, 201, 101, 1], startIndex: 5 });
    const a = (t: number) => scheduler.alphasCumprod[t]!;
    const x0 = 0.25;
    const first = scheduler.step(Float32Array.of(0.3), 501, Float32Array.of(x0))[0]!;
    close(first, formula9(x0, a(501), a(401), 0.3), 2e-6, "Euler from 501");
    // the second evaluation (fed 401) restarts 501 → 401 from the first sample, as diffusers does mid-schedule
    close(scheduler.step(Float32Array.of(-0.5), 401, Float32Array.of(first))[0]!, formula9(x0, a(501), a(401), -0.1), 2e-6, "restart");
  });

  it("setTimesteps resets the counter and the past ε: one scheduler run twice gives the same result", () => {
    const scheduler = new PNDMScheduler(SD15);
    const run = () => {
      scheduler.setTimesteps(6);
      return runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter());
    };
    const first = run();
    assert.deepEqual(run(), first);
    const model = dummyModel(dummySampleDeter(), 1);
    assert.throws(() => new PNDMScheduler(SD15).step(model, 1, model), /setTimesteps/);
  });
});
