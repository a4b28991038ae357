/**
 * The inference worker thread. `session.run()` blocks its thread for the whole run, so the pipeline lives here,
 * away from the event loop that answers Discord's heartbeats and 3-second deadlines. One pipeline, loaded once;
 * jobs run strictly one at a time even if the main thread sends several.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ProgressEvent } from "../pipeline/generation-options.ts";
import { StableDiffusionPipeline } from "../pipeline/stable-diffusion-pipeline.ts";
import { upscale } from "../pipeline/upscale.ts";
import { InferenceShuttingDownError } from "./worker-errors.ts";
import { ResidentModels } from "./resident-models.ts";
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
/** A generation, or loading or releasing a model folder: run in the order they arrive, one at a time. */
type Task = { id: number; request: GenerationRequest } | { id: number; load: string } | { id: number; unload: string };
const waiting: Task[] = [];
let busy = false;
let ready = false;
const models = new ResidentModels({
  load: (dir) => StableDiffusionPipeline.load(dir, { ...data.loadOptions, log: (m) => post({ type: "log", message: m }) }),
  maxResident: data.maxResidentModels,
});

async function drain(): Promise<void> {
  if (busy || !ready) return;
  busy = true;
  try {
    for (let next = waiting.shift(); next; next = waiting.shift()) await runTask(next);
  } finally {
    busy = false;
  }
}

/** A generation runs on its folder's pipeline (the startup folder when it names none), loading it first if needed. */
async function runTask(task: Task): Promise<void> {
  if ("unload" in task) {
    await models.unload(task.unload);
    post({ type: "unloaded", id: task.id });
    return;
  }
  const dir = "request" in task ? (task.request.modelDir ?? data.modelDir) : task.load;
  let loaded;
  try {
    loaded = await models.get(dir);
  } catch (error) {
    cancels.delete(task.id);
    post({ type: "failed", id: task.id, error: serializeError(error) });
    return;
  }
  const { defaults } = loaded.pipeline;
  if (loaded.loadMs !== undefined) post({ type: "model-loaded", id: task.id, modelDir: dir, ms: loaded.loadMs, defaults });
  if ("request" in task) await runOne(loaded.pipeline, task.id, task.request);
  else post({ type: "loaded", id: task.id, model: loaded.pipeline.model.name, defaults });
}

async function runOne(p: StableDiffusionPipeline, id: number, request: GenerationRequest): Promise<void> {
  const controller = cancels.get(id) ?? new AbortController();
  cancels.set(id, controller);
  try {
    post({ type: "started", id });
    const hooks = { signal: controller.signal, onProgress: (event: ProgressEvent) => post({ type: "progress", id, event }) };
    const result =
      request.mode === "img2img"
        ? await p.img2img({ ...request.options, ...hooks })
        : request.mode === "upscale"
          ? await upscale(p, { ...request.options, ...hooks })
          : await p.txt2img({ ...request.options, ...hooks });
    const { image: _pixels, images, ...rest } = result;
    post({ type: "done", id, result: { ...rest, images: images.map(({ image: _each, ...png }) => png) } });
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
    case "load":
      waiting.push({ id: message.id, load: message.modelDir });
      void drain();
      break;
    case "unload":
      waiting.push({ id: message.id, unload: message.modelDir });
      void drain();
      break;
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
  await models.releaseAll();
  process.exit(0);
}

try {
  const { pipeline, loadMs } = await models.get(data.modelDir);
  post({ type: "ready", provider: pipeline.provider, model: pipeline.model.name, defaults: pipeline.defaults, ...(loadMs !== undefined && { loadMs }) });
  ready = true;
  void drain();
} catch (error) {
  post({ type: "load-failed", error: serializeError(error) });
}
