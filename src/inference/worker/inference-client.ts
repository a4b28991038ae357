import type { Worker } from "node:worker_threads";
import { GenerationCancelledError, InvalidOptionError, ModelFolderError } from "../pipeline/errors.ts";
import type { ProgressEvent } from "../pipeline/generation-options.ts";
import type { GenerationDefaults } from "../pipeline/model-family.ts";
import { ImageInputError } from "../image/errors.ts";
import { spawnTsWorker } from "./spawn-ts-worker.ts";
import { InferenceShuttingDownError, InferenceWorkerCrashedError } from "./worker-errors.ts";
import type { FromWorker, GenerationRequest, SerializedError, ToWorker, WorkerData, WorkerGenerationResult } from "./protocol.ts";

export interface InferenceClientOptions extends WorkerData {
  /** Where the worker's log lines go (which provider runs, fallbacks). */
  log?: (message: string) => void;
  /**
   * The worker thread's entry module. Tests pass one that speaks the same protocol (e.g. a worker that dies).
   * @default the library's inference-worker.ts
   */
  workerModule?: URL;
}

interface Pending {
  resolve(result: WorkerGenerationResult): void;
  reject(error: Error): void;
  onProgress?: (event: ProgressEvent) => void;
  onStarted?: () => void;
  onModelLoaded?: (event: ModelLoadedEvent) => void;
}

/** A job or load request had to load its model folder first, taking `ms`. */
export interface ModelLoadedEvent {
  modelDir: string;
  ms: number;
}

/** The worker's answer once its startup model is loaded. */
export interface WorkerInfo {
  /** The execution provider that runs the UNet. */
  provider: string;
  /** The startup model's name. */
  model: string;
  /** How long the startup model took to load. */
  loadMs?: number;
  /** The startup model's family defaults (absent only from stand-in test workers). */
  defaults?: GenerationDefaults;
}

/** A load or unload request waiting for the worker's answer. */
interface PendingControl {
  resolve(): void;
  reject(error: Error): void;
  onModelLoaded?: (event: ModelLoadedEvent) => void;
}

/**
 * The main thread's handle on the inference worker: one model loaded once in one worker thread, jobs sent one by
 * one, progress streamed back, cancellation passed in (the worker stops between steps). If the worker dies, the
 * jobs in it fail and the next `generate` starts a fresh worker.
 */
export class InferenceClient {
  private worker: Worker | undefined;
  private ready: Promise<WorkerInfo> | undefined;
  /** Each folder's family defaults, as the worker reported them when it loaded the folder. */
  private readonly controls = new Map<number, PendingControl>();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(private readonly options: InferenceClientOptions) {}

  /** Starts the worker and waits until the model is loaded. */
  static async start(options: InferenceClientOptions): Promise<InferenceClient> {
    const client = new InferenceClient(options);
    await client.ensureWorker();
    return client;
  }

  /** Which execution provider runs the UNet, the startup model's name and defaults, and how long it took to load. */
  info(): Promise<WorkerInfo> {
    return this.ensureWorker();
  }

  /**
   * Makes a model folder resident in the worker (after the jobs sent before it), releasing the least recently used
   * beyond the budget (`maxResidentModels`). `onModelLoaded` tells how long the load took (not called when it was
   * resident already). Generations load their folder themselves: this is for warming a model up ahead of time.
   */
  async load(modelDir: string, hooks: { onModelLoaded?: (event: ModelLoadedEvent) => void } = {}): Promise<void> {
    await this.control({ type: "load", id: this.nextId++, modelDir }, hooks.onModelLoaded);
  }

  /** Releases a model folder's sessions in the worker (after the jobs sent before it); nothing when not loaded. */
  async unload(modelDir: string): Promise<void> {
    await this.control({ type: "unload", id: this.nextId++, modelDir });
  }

  private async control(message: Extract<ToWorker, { type: "load" | "unload" }>, onModelLoaded?: (event: ModelLoadedEvent) => void): Promise<void> {
    if (this.closed) throw new InferenceShuttingDownError("The inference client is closed: the process is shutting down.");
    await this.ensureWorker();
    const worker = this.worker!;
    await new Promise<void>((resolve, reject) => {
      this.controls.set(message.id, { resolve, reject, onModelLoaded });
      this.send(worker, message);
    });
  }

  async generate(
    request: GenerationRequest,
    hooks: { onProgress?: (event: ProgressEvent) => void; onStarted?: () => void; onModelLoaded?: (event: ModelLoadedEvent) => void; signal?: AbortSignal } = {},
  ): Promise<WorkerGenerationResult> {
    if (this.closed) throw new InferenceShuttingDownError("The inference client is closed: the process is shutting down.");
    if (hooks.signal?.aborted) throw new GenerationCancelledError();
    await this.ensureWorker();
    const id = this.nextId++;
    const worker = this.worker!;
    return new Promise<WorkerGenerationResult>((resolve, reject) => {
      const onAbort = () => this.send(worker, { type: "cancel", id });
      hooks.signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => hooks.signal?.removeEventListener("abort", onAbort);
      this.pending.set(id, {
        resolve: (r) => (settle(), resolve(r)),
        reject: (e) => (settle(), reject(e)),
        onProgress: hooks.onProgress,
        onStarted: hooks.onStarted,
        onModelLoaded: hooks.onModelLoaded,
      });
      this.send(worker, { type: "generate", id, request });
    });
  }

  /**
   * Stops what runs (after the current step) and what waits, both rejected with {@link InferenceShuttingDownError}
   * (not a cancel: the caller may run them again after a restart), and waits for the worker to release its
   * sessions and exit. The worker is never terminated mid-run: that aborts the process from inside ORT. A worker
   * still busy after `timeoutMs` (a stuck driver) is terminated as a last resort.
   */
  async close(timeoutMs = 120_000): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    this.send(worker, { type: "shutdown" });
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
    for (const [id, pending] of [...this.pending, ...this.controls]) {
      this.pending.delete(id);
      this.controls.delete(id);
      pending.reject(new InferenceShuttingDownError());
    }
  }

  private ensureWorker(): Promise<WorkerInfo> {
    if (this.worker && this.ready) return this.ready;
    const worker = spawnTsWorker(this.options.workerModule ?? new URL("./inference-worker.ts", import.meta.url), {
      workerData: { modelDir: this.options.modelDir, loadOptions: this.options.loadOptions, maxResidentModels: this.options.maxResidentModels } satisfies WorkerData,
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          resolve({
            provider: message.provider,
            model: message.model,
            ...(message.loadMs !== undefined && { loadMs: message.loadMs }),
            ...(message.defaults && { defaults: message.defaults }),
          });
        } else if (message.type === "load-failed") {
          reject(deserializeError(message.error));
          this.forget(worker);
          void worker.terminate();
        } else this.onMessage(message);
      });
      worker.once("error", (error) => {
        reject(error);
        this.onCrash(worker, error);
      });
      worker.once("exit", (code) => {
        reject(new InferenceWorkerCrashedError(`The inference worker exited (code ${code}) before the model loaded`));
        if (!this.closed) this.onCrash(worker, new InferenceWorkerCrashedError(`The inference worker exited with code ${code}`));
      });
    });
    // Keep the promise from being reported as unhandled when nobody awaits it yet.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case "log":
        this.options.log?.(message.message);
        break;
      case "started":
        this.pending.get(message.id)?.onStarted?.();
        break;
      case "model-loaded": {
        const event = { modelDir: message.modelDir, ms: message.ms };
        (this.pending.get(message.id) ?? this.controls.get(message.id))?.onModelLoaded?.(event);
        break;
      }
      case "loaded":
      case "unloaded":
        this.controls.get(message.id)?.resolve();
        this.controls.delete(message.id);
        break;
      case "progress":
        this.pending.get(message.id)?.onProgress?.(message.event);
        break;
      case "done": {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        pending?.resolve({
          ...message.result,
          png: Buffer.from(message.result.png),
          images: message.result.images.map((each) => ({ ...each, png: Buffer.from(each.png) })),
        });
        break;
      }
      case "failed": {
        const pending = this.pending.get(message.id) ?? this.controls.get(message.id);
        this.pending.delete(message.id);
        this.controls.delete(message.id);
        pending?.reject(deserializeError(message.error));
        break;
      }
    }
  }

  private onCrash(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.forget(worker);
    for (const [id, pending] of [...this.pending, ...this.controls]) {
      this.pending.delete(id);
      this.controls.delete(id);
      pending.reject(error instanceof InferenceWorkerCrashedError ? error : new InferenceWorkerCrashedError(error.message));
    }
  }

  private forget(worker: Worker): void {
    if (this.worker === worker) {
      this.worker = undefined;
      this.ready = undefined;
    }
  }

  private send(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }
}

/** Rebuilds the library's error classes so callers can tell user errors from faults across the thread boundary. */
export function deserializeError(error: SerializedError): Error {
  let result: Error;
  switch (error.name) {
    case "GenerationCancelledError":
      result = new GenerationCancelledError();
      break;
    case "InvalidOptionError":
      result = new InvalidOptionError(error.option ?? "option", error.message);
      break;
    case "ImageInputError":
      result = new ImageInputError((error.code ?? "not-an-image") as ImageInputError["code"], error.message);
      break;
    case "ModelFolderError":
      result = new ModelFolderError(error.message);
      break;
    case "InferenceShuttingDownError":
      result = new InferenceShuttingDownError(error.message);
      break;
    default:
      result = new Error(error.message);
      result.name = error.name;
  }
  if (error.stack) result.stack = error.stack;
  return result;
}
