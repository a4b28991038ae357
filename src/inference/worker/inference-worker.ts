/**
 * The inference worker thread. `session.run()` blocks its thread for the whole run, so the pipeline lives here,
 * away from the event loop that answers Discord's heartbeats and 3-second deadlines. One pipeline, loaded once;
 * jobs run strictly one at a time even if the main thread sends several.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ProgressEvent } from "../pipeline/generation-options.ts";
import { StableDiffusionPipeline } from "../pipeline/stable-diffusion-pipeline.ts";
import { InferenceShuttingDownError } from "./worker-errors.ts";
import { serializeError, type FromWorker, type GenerationRequest, type ToWorker, type WorkerData } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("inference-worker.ts must run in a worker thread");
const post = (message: FromWorker) => port.postMessage(message);
const data = workerData as WorkerData;

/** Why a run's controller was aborted: the member's cancel, or the worker shutting down. */
const CANCEL = "cancel";
const SHUTDOWN = "shutdown";
const SHUTTING_DOWN = { name: "InferenceShuttingDownError", message: new InferenceShuttingDownError().message };

const cancels = new Map<number, AbortController>();
const waiting: Array<{ id: number; request: GenerationRequest }> = [];
let busy = false;
let pipeline: StableDiffusionPipeline | undefined;

async function drain(): Promise<void> {
  if (busy || !pipeline) return;
  busy = true;
  try {
    for (let next = waiting.shift(); next; next = waiting.shift()) await runOne(pipeline, next.id, next.request);
  } finally {
    busy = false;
  }
}

async function runOne(p: StableDiffusionPipeline, id: number, request: GenerationRequest): Promise<void> {
  const controller = cancels.get(id) ?? new AbortController();
  cancels.set(id, controller);
  try {
    post({ type: "started", id });
    const hooks = { signal: controller.signal, onProgress: (event: ProgressEvent) => post({ type: "progress", id, event }) };
    const result = request.mode === "img2img" ? await p.img2img({ ...request.options, ...hooks }) : await p.txt2img({ ...request.options, ...hooks });
    const { image: _pixels, ...rest } = result;
    post({ type: "done", id, result: rest });
  } catch (error) {
    const stopped = controller.signal.aborted && controller.signal.reason === SHUTDOWN;
    post({ type: "failed", id, error: stopped ? SHUTTING_DOWN : serializeError(error) });
  } finally {
    cancels.delete(id);
  }
}

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "generate":
      cancels.set(message.id, new AbortController());
      waiting.push({ id: message.id, request: message.request });
      void drain();
      break;
    case "cancel": {
      const index = waiting.findIndex((w) => w.id === message.id);
      if (index >= 0) {
        waiting.splice(index, 1);
        cancels.delete(message.id);
        post({ type: "failed", id: message.id, error: { name: "GenerationCancelledError", message: "The generation was cancelled." } });
      } else cancels.get(message.id)?.abort(CANCEL);
      break;
    }
    case "shutdown":
      void shutdown();
      break;
  }
});

/**
 * Stops between steps, then releases the sessions. Releasing them (or terminating the thread) while ORT is
 * inside a run aborts the whole process, so the running job is stopped and awaited first. Stopped jobs fail
 * as "shutting down", not "cancelled": nobody cancelled them, and the caller may run them again.
 */
let shuttingDown = false;
async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const next of waiting.splice(0)) post({ type: "failed", id: next.id, error: SHUTTING_DOWN });
  for (const controller of cancels.values()) controller.abort(SHUTDOWN);
  while (busy) await new Promise((resolve) => setTimeout(resolve, 20));
  await pipeline?.release();
  process.exit(0);
}

try {
  pipeline = await StableDiffusionPipeline.load(data.modelDir, { ...data.loadOptions, log: (m) => post({ type: "log", message: m }) });
  post({ type: "ready", provider: pipeline.provider, model: pipeline.model.name });
  void drain();
} catch (error) {
  post({ type: "load-failed", error: serializeError(error) });
}
