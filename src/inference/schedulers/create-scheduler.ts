import { readFile } from "node:fs/promises";
import path from "node:path";
import { DDIMScheduler } from "./ddim-scheduler.ts";
import { DPMSolverMultistepScheduler } from "./dpm-solver-multistep-scheduler.ts";
import { EulerAncestralDiscreteScheduler } from "./euler-ancestral-discrete-scheduler.ts";
import { EulerDiscreteScheduler } from "./euler-discrete-scheduler.ts";
import { LCMScheduler } from "./lcm-scheduler.ts";
import { PNDMScheduler } from "./pndm-scheduler.ts";
import { SCHEDULER_NAMES, type Scheduler, type SchedulerName } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG, type SchedulerConfigFile } from "./scheduler-config.ts";

/**
 * A fresh scheduler by its user-facing name, built from a model's scheduler config the way diffusers'
 * `XScheduler.from_config` swaps schedulers: keys the scheduler knows are read, keys missing from the file take
 * that scheduler's own diffusers defaults, keys meant for other schedulers are ignored.
 *
 * @example createScheduler("dpm++2m", await loadSchedulerConfig(modelDir))
 */
export function createScheduler(name: SchedulerName, config: SchedulerConfigFile = {}): Scheduler {
  switch (name) {
    case "ddim":
      return new DDIMScheduler(config);
    case "pndm":
      return new PNDMScheduler(config);
    case "dpm++2m":
      return new DPMSolverMultistepScheduler(config);
    case "euler-a":
      return new EulerAncestralDiscreteScheduler(config);
    case "euler":
      return new EulerDiscreteScheduler(config);
    case "lcm":
      return new LCMScheduler(config);
    default:
      throw new RangeError(`Unknown scheduler \`${String(name)}\`; expected one of ${SCHEDULER_NAMES.map((n) => JSON.stringify(n)).join(", ")}`);
  }
}

/** Our scheduler for each diffusers class a model folder may name. */
const SCHEDULER_FOR_CLASS: Readonly<Record<string, SchedulerName>> = {
  PNDMScheduler: "pndm",
  DDIMScheduler: "ddim",
  DPMSolverMultistepScheduler: "dpm++2m",
  EulerAncestralDiscreteScheduler: "euler-a",
  EulerDiscreteScheduler: "euler",
  LCMScheduler: "lcm",
};

/**
 * The scheduler a model folder asks for: its `scheduler_config.json`'s `_class_name` mapped to our name.
 *
 * @example defaultSchedulerName(await loadSchedulerConfig(modelDir)) // "pndm" for SD 1.5, "euler" for SD-Turbo
 * @throws {SchedulerConfigError} naming the class found when it is missing or not one we run.
 */
export function defaultSchedulerName(config: SchedulerConfigFile): SchedulerName {
  const className = config._class_name;
  const name = typeof className === "string" && Object.hasOwn(SCHEDULER_FOR_CLASS, className) ? SCHEDULER_FOR_CLASS[className] : undefined;
  if (name === undefined) {
    const found = className === undefined ? "no `_class_name`" : `\`_class_name\` ${JSON.stringify(className)}`;
    throw new SchedulerConfigError(`The model's scheduler_config.json has ${found}; expected one of ${Object.keys(SCHEDULER_FOR_CLASS).join(", ")}`);
  }
  return name;
}

/**
 * Reads `<modelDir>/scheduler/scheduler_config.json`; a model without one gets SD 1.5's published file.
 * Python's `json` writes `Infinity`/`NaN` (e.g. DPM-Solver's `lambda_min_clipped: -Infinity`), so those are accepted.
 *
 * @throws {SchedulerConfigError} when the file is not a JSON object.
 */
export async function loadSchedulerConfig(modelDir: string): Promise<SchedulerConfigFile> {
  const file = path.join(modelDir, "scheduler", "scheduler_config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ...SD15_SCHEDULER_CONFIG };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = parsePythonJson(text);
  } catch (error) {
    throw new SchedulerConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SchedulerConfigError(`${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

const NON_FINITE: Record<string, number> = { Infinity: Infinity, "-Infinity": -Infinity, NaN: NaN };
/** A prefix no real config string has (a NUL), written into the JSON text as an escape. */
const MARK = "\u0000nonfinite:";
const ESCAPED_MARK = "\\u0000nonfinite:";

/** JSON.parse, plus the bare `Infinity`, `-Infinity` and `NaN` tokens Python emits (never inside strings). */
function parsePythonJson(text: string): unknown {
  const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (token) => (token.startsWith('"') ? token : `"${ESCAPED_MARK}${token}"`));
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(MARK) ? NON_FINITE[value.slice(MARK.length)] : value,
  );
}
