/**
 * A fleet worker process (src/fleet/start-worker.ts) whose model is a stand-in: the tests' FakeInference, or one
 * that hangs on every job with STAND_IN_HANG=1 (to be killed or cancelled mid-job), or fails every job with
 * STAND_IN_FAIL=1 (a model fault). Prints `generating <prompt>` when a run
 * starts, so a test knows which process holds the job. Configured by the environment like `npm run worker`; with
 * MODEL_DIR, the model it publishes (as "stand-in") has that folder's family and defaults.
 */
import { loadConfig } from "../../src/config.ts";
import { startWorker } from "../../src/fleet/start-worker.ts";
import type { GenerationRequest, WorkerGenerationResult } from "../../src/inference/index.ts";
import { createLogger } from "../../src/logger.ts";
import { FakeInference } from "../bot/harness.ts";

const hang = process.env.STAND_IN_HANG === "1";
const fail = process.env.STAND_IN_FAIL === "1";
const fake = new FakeInference();
const inference = {
  async generate(request: GenerationRequest, hooks: Parameters<FakeInference["generate"]>[1]): Promise<WorkerGenerationResult> {
    const prompt = "prompt" in request.options ? request.options.prompt : request.mode;
    process.stdout.write(`generating ${prompt}\n`);
    if (hang) fake.hanging.add(prompt);
    if (fail) fake.failing.add(prompt);
    return fake.generate(request, hooks);
  },
};
const config = loadConfig();
const worker = await startWorker({ config, logger: createLogger(config.logLevel), modelDir: config.modelDir ?? "", modelName: "stand-in", inference });
process.stdout.write("ready\n");
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
