/**
 * A fleet worker process for the fleet benches (`npm run worker`'s startWorker, configured by the environment)
 * whose model is a stand-in: each job takes STAND_IN_STEP_MS per step (a timer: it costs no CPU) and reports its
 * progress after every step, as the real pipeline does, then answers the tests' small PNG (FakeInference).
 * Prints `ready` once it takes jobs.
 */
import { loadConfig } from "../../src/config.ts";
import { startWorker } from "../../src/fleet/start-worker.ts";
import type { GenerationRequest, WorkerGenerationResult } from "../../src/inference/index.ts";
import { createLogger } from "../../src/logger.ts";
import { FakeInference } from "../../test/bot/harness.ts";

const stepMs = Number(process.env.STAND_IN_STEP_MS ?? 25);
const fake = new FakeInference();
const inference = {
  async generate(request: GenerationRequest, hooks: Parameters<FakeInference["generate"]>[1]): Promise<WorkerGenerationResult> {
    const options = request.mode === "upscale" ? request.options.base.options : request.options;
    const steps = options.steps ?? 1;
    for (let step = 1; step <= steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, stepMs));
      hooks.onProgress?.({ step, totalSteps: steps });
    }
    return fake.generate(request, hooks);
  },
};
const config = loadConfig();
const worker = await startWorker({ config, logger: createLogger(config.logLevel), modelDir: "", modelName: "stand-in", inference });
process.stdout.write("ready\n");
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
