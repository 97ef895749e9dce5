import { EventEmitter } from 'events';
import { Worker, WorkerOptions } from 'worker_threads';
import { EngineError } from '../errors';
import type { LossKind, PairLabel, TrainProgress, TrainRoundResult } from './pairwiseTrainer';
import type {
  EncoderTensorsResult,
  InitParams,
  InitResult,
  WeightsResult,
  WorkerErrorPayload,
  WorkerRequest,
  WorkerResponse
} from './protocol';

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: TrainProgress) => void;
  onChunk?: (start: number, vectors: Float32Array) => void;
};

/** Distributive Omit so each request variant keeps its own fields. */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

export interface TrainerClientEvents {
  progress: [requestId: number, progress: TrainProgress];
  error: [error: Error];
  exit: [code: number];
}

/**
 * Main-thread side of the trainer worker: one promise per request, progress as callbacks and events.
 * Typed arrays passed in are transferred (the caller's copy becomes unusable) unless `copy` is set.
 */
export class TrainerClient extends EventEmitter<TrainerClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;

  constructor(readonly worker: Worker) {
    super();
    worker.on('message', (msg: WorkerResponse) => this.onMessage(msg));
    worker.on('error', err => {
      this.failAll(err);
      this.emit('error', err);
    });
    worker.on('exit', code => {
      this.exited = true;
      this.failAll(new EngineError('not_ready', `trainer worker exited with code ${code}`));
      this.emit('exit', code);
    });
  }

  /** Starts a worker from a script (production: the bundled trainer worker next to sidecar.js). */
  static spawn(script: string | URL, options?: WorkerOptions): TrainerClient {
    return new TrainerClient(new Worker(script, options));
  }

  init(params: InitParams): Promise<InitResult> {
    return this.request(
      { type: 'init', params },
      params.pool ? [params.pool.buffer as ArrayBuffer] : []
    ) as Promise<InitResult>;
  }

  setPool(rows: Float32Array): Promise<number> {
    return this.request({ type: 'setPool', rows }, [rows.buffer as ArrayBuffer]) as Promise<number>;
  }

  appendPool(rows: Float32Array): Promise<number> {
    return this.request({ type: 'appendPool', rows }, [rows.buffer as ArrayBuffer]) as Promise<number>;
  }

  /**
   * Appends rows with their embeddings by the starting model (see PairwiseTrainer.appendPoolEmbedded); both
   * transferred. `embedded` false (the model has trained, or started from a saved version): the new rows are
   * not embedded yet (embedPool them).
   */
  appendPoolEmbedded(rows: Float32Array, vectors: Float32Array): Promise<{ start: number; embedded: boolean }> {
    return this.request({ type: 'appendPoolEmbedded', rows, vectors }, [
      rows.buffer as ArrayBuffer,
      vectors.buffer as ArrayBuffer
    ]) as Promise<{ start: number; embedded: boolean }>;
  }

  setLabels(labels: PairLabel[]): Promise<number> {
    return this.request({ type: 'setLabels', labels }) as Promise<number>;
  }

  /** Changes the loss (and margin) from the next round on; the optimizer and its moments are kept. */
  setOptions(options: { loss?: LossKind; margin?: number }): Promise<boolean> {
    return this.request({ type: 'setOptions', options }) as Promise<boolean>;
  }

  /** Trains one round; `onProgress` gets every step. Returns the request id via `started` for `cancel`. */
  train(
    opts: { epochs?: number; batchSize?: number; learningRate?: number } = {},
    onProgress?: (p: TrainProgress) => void,
    started?: (requestId: number) => void
  ): Promise<TrainRoundResult> {
    return this.request({ type: 'train', ...opts }, [], { onProgress }, started) as Promise<TrainRoundResult>;
  }

  /** Asks the worker to stop a running request (train) between steps. */
  cancel(requestId: number): Promise<boolean> {
    return this.request({ type: 'cancel', target: requestId }) as Promise<boolean>;
  }

  embed(rows: Float32Array, batchSize?: number): Promise<Float32Array> {
    return this.request({ type: 'embed', rows, batchSize }, [rows.buffer as ArrayBuffer]) as Promise<Float32Array>;
  }

  /** Re-embeds pool rows [start, end); chunks arrive through `onChunk` as they are ready. */
  embedPool(
    opts: { start?: number; end?: number; batchSize?: number; chunkRows?: number },
    onChunk: (start: number, vectors: Float32Array) => void
  ): Promise<{ modelVersion: number }> {
    return this.request({ type: 'embedPool', ...opts }, [], { onChunk }) as Promise<{ modelVersion: number }>;
  }

  /** Exact top-`k` (self excluded) of pool rows among the last embedded pool: q × k, -1 padded. */
  topK(rows: number[], k: number): Promise<{ indices: Int32Array; scores: Float32Array }> {
    return this.request({ type: 'topK', rows, k }) as Promise<{ indices: Int32Array; scores: Float32Array }>;
  }

  save(dir: string): Promise<{ dir: string; modelVersion: number }> {
    return this.request({ type: 'save', dir }) as Promise<{ dir: string; modelVersion: number }>;
  }

  weights(): Promise<WeightsResult> {
    return this.request({ type: 'weights' }) as Promise<WeightsResult>;
  }

  /** A 'bert-encoder' model's weights in Hugging Face names and layout. */
  encoderTensors(): Promise<EncoderTensorsResult> {
    return this.request({ type: 'encoderTensors' }) as Promise<EncoderTensorsResult>;
  }

  /** Disposes the model in the worker and terminates the thread. */
  async close(): Promise<void> {
    if (this.exited) {
      return;
    }
    try {
      await this.request({ type: 'dispose' });
    } finally {
      await this.worker.terminate();
    }
  }

  private request(
    body: RequestBody,
    transfer: ArrayBuffer[] = [],
    hooks: Pick<Pending, 'onProgress' | 'onChunk'> = {},
    started?: (id: number) => void
  ): Promise<unknown> {
    if (this.exited) {
      return Promise.reject(new EngineError('not_ready', 'trainer worker has exited'));
    }
    const id = this.nextId++;
    const promise = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject, ...hooks }));
    this.worker.postMessage({ ...body, id } as WorkerRequest, transfer);
    started?.(id);
    return promise;
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) {
      return;
    }
    switch (msg.type) {
      case 'progress':
        p.onProgress?.(msg.progress);
        this.emit('progress', msg.id, msg.progress);
        break;
      case 'chunk':
        p.onChunk?.(msg.start, msg.vectors);
        break;
      case 'result':
        this.pending.delete(msg.id);
        p.resolve(msg.value);
        break;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(toError(msg.error));
        break;
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      p.reject(err);
    }
    this.pending.clear();
  }
}

function toError(e: WorkerErrorPayload): Error {
  if (e.kind) {
    return new EngineError(e.kind, e.message, e.details ?? {});
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
