import type { SchedulerName } from "../schedulers/scheduler.ts";

/** How each scheduler is named in the PNG `parameters` ("Sampler:"), as A1111 names its samplers. */
export const SAMPLER_LABELS: Readonly<Record<SchedulerName, string>> = { ddim: "DDIM", pndm: "PLMS", "dpm++2m": "DPM++ 2M", "euler-a": "Euler a", euler: "Euler", lcm: "LCM" };

/** The scheduler a PNG's "Sampler:" names, or undefined when it is none of ours. */
export function schedulerOfSampler(label: string): SchedulerName | undefined {
  const found = Object.entries(SAMPLER_LABELS).find(([, name]) => name === label.trim());
  return found?.[0] as SchedulerName | undefined;
}
