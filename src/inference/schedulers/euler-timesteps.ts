import { arange, linspace, roundHalfEven } from "./numpy-math.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";

const f32 = Math.fround;

/**
 * The timestep grid of diffusers' Euler and Euler a `set_timesteps`, highest first, as the float32 values diffusers
 * stores: "linspace" keeps fractional timesteps (999, 946.42…, …, 0), "leading" and "trailing" are whole numbers.
 */
export function eulerTimesteps(config: Pick<SchedulerConfig, "num_train_timesteps" | "timestep_spacing" | "steps_offset">, numInferenceSteps: number): number[] {
  const trainSteps = config.num_train_timesteps;
  switch (config.timestep_spacing) {
    case "linspace":
      return linspace(0, trainSteps - 1, numInferenceSteps).map(f32).reverse();
    case "leading": {
      const ratio = Math.floor(trainSteps / numInferenceSteps);
      return Array.from({ length: numInferenceSteps }, (_, i) => (numInferenceSteps - 1 - i) * ratio + config.steps_offset);
    }
    case "trailing":
      return arange(trainSteps, 0, -trainSteps / numInferenceSteps).map((t) => roundHalfEven(t) - 1);
  }
}
