import { Worker } from 'node:worker_threads';
import type {
  EncoderTensorsResult,
  InitParams,
  InitResult,
  PairLabel,
  TrainRoundResult,
  WeightsResult
} from '../engine/training';
import type { Neighbour } from '../index/exactKnn';
import { TrainerClient } from '../engine/training/trainerClient';
import type { BackendPreference, Progress } from '../../protocol/messages';
import { NATIVE_PACKAGES, NativeBackendName, pinNativeAddon } from '../engine/backend/nativeBinding';
import { describeError, log } from '../log';
import { backendDefaults } from './backendDefaults';
import { trainerWorkerScript } from './workerScript';

/** What one training round hands back: the round's result and the whole pool re-embedded with the new weights. */
export interface RoundOutput {
  result: TrainRoundResult;
  /** Row-major pool embeddings (`rows × dim`), null when the round made no step. */
  vectors: Float32Array | null;
  rows: number;
  /** Neighbours under the new embeddings of the rows `scan` asked for (computed in the worker). */
  neighbours?: { rows: number[]; lists: Neighbour[][] };
}

/** Rows whose top-`k` the round computes on the new embeddings, asked right after re-embedding. */
/**
 * Rows whose top-K the round computes on the new embeddings in the worker: asked right after the new
 * version is installed (so the scan never delays it), answered through `done` (undefined if it failed).
 */
export interface RoundScan {
  rows(): { rows: number[]; k: number };
  done(neighbours: RoundOutput['neighbours']): void;
}

export interface RoundOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** Trains a round from labels; the session's model worker, or a fake in tests. */
export interface RoundTrainer {
  trainRound(
    labels: PairLabel[],
    options: RoundOptions,
    install: (output: RoundOutput) => void,
    scan?: RoundScan
  ): Promise<RoundOutput>;
}

/** Rows per re-embedding chunk: small enough that the worker answers other messages in between. */
const EMBED_CHUNK_ROWS = 2048;

/**
 * A session's trainer worker thread. Every call runs as one task of a serial chain, so pool appends,
 * training rounds (train + re-embed + install) and exports never interleave, and `install`/`onEmbedded`
 * callbacks run inside their task: the main thread's index always matches the worker's pool.
 */
export class ModelWorker implements RoundTrainer {
  private chain: Promise<unknown> = Promise.resolve();
  private poolRows = 0;

  private constructor(
    private readonly client: TrainerClient,
    readonly info: InitResult
  ) {}

  /** Starts the worker on the session's `backend`, else the sidecar's default (see BackendDefaults). */
  static async start(
    params: Omit<InitParams, 'backend'> & { backend?: BackendPreference },
    defaults = backendDefaults
  ): Promise<ModelWorker> {
    const { backend, ...init } = params;
    const preferred = defaults.resolve(backend);
    // TensorFlow's C++ info logs (native backends) read the process environment, which only this thread sets.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    const { script, workerData } = trainerWorkerScript();
    const client = new TrainerClient(new Worker(script, { workerData }));
    client.on('error', () => undefined);
    try {
      const info = await client.init({ ...init, backend: { preferred } });
      const backend = info.backend.name;
      if (backend === 'tensorflow' || backend === 'tensorflow-gpu') {
        keepNativeLoaded(backend);
      }
      return new ModelWorker(client, info);
    } catch (err) {
      await client.worker.terminate();
      throw err;
    }
  }

  /** What `session/progress` says about the backend. */
  backendProgress(): Pick<Progress, 'backend' | 'backendFallbackReason'> {
    const { name, fallbackReason } = this.info.backend;
    return fallbackReason !== undefined ? { backend: name, backendFallbackReason: fallbackReason } : { backend: name };
  }

  get dim(): number {
    return this.info.outputDim;
  }

  /** Adds featurized rows to the worker's pool and embeds them with the live model. */
  appendPool(features: Float32Array, onEmbedded: (vectors: Float32Array) => void): Promise<void> {
    return this.run(async () => {
      // The features' buffer is transferred to the worker: count the rows first.
      const rows = features.length / this.info.inputRowSize;
      const start = await this.client.appendPool(features);
      const end = start + rows;
      this.poolRows = end;
      const vectors = new Float32Array((end - start) * this.dim);
      await this.client.embedPool({ start, end, chunkRows: EMBED_CHUNK_ROWS }, (at, chunk) =>
        vectors.set(chunk, (at - start) * this.dim)
      );
      onEmbedded(vectors);
    });
  }

  /**
   * Adds rows whose embeddings by the starting model are known (a tuned encoder's token rows with the frozen
   * encoder's cached embeddings): at version 0 no forward pass runs in the worker and `onEmbedded` gets
   * `vectors`; once the model has trained, or when it started from a saved tuned version, the rows are
   * embedded with it, as `appendPool` does.
   */
  appendPoolEmbedded(
    rows: Float32Array,
    vectors: Float32Array,
    onEmbedded: (vectors: Float32Array) => void
  ): Promise<void> {
    return this.run(async () => {
      const n = rows.length / this.info.inputRowSize;
      const kept = vectors.slice(); // the worker takes `vectors`' buffer
      const { start, embedded } = await this.client.appendPoolEmbedded(rows, vectors);
      this.poolRows = start + n;
      if (embedded) {
        onEmbedded(kept);
        return;
      }
      const current = new Float32Array(n * this.dim);
      await this.client.embedPool({ start, end: start + n, chunkRows: EMBED_CHUNK_ROWS }, (at, chunk) =>
        current.set(chunk, (at - start) * this.dim)
      );
      onEmbedded(current);
    });
  }

  /** A tuned encoder's weights in Hugging Face names (top-layers and full sentence-encoder sessions). */
  encoderTensors(): Promise<EncoderTensorsResult> {
    return this.run(() => this.client.encoderTensors());
  }

  /** Embeds featurized rows with the live model without touching the pool. */
  embed(features: Float32Array): Promise<Float32Array> {
    return this.run(() => this.client.embed(features));
  }

  trainRound(
    labels: PairLabel[],
    options: RoundOptions,
    install: (output: RoundOutput) => void,
    scan?: RoundScan
  ): Promise<RoundOutput> {
    return this.run(async () => {
      await this.client.setLabels(labels);
      const result = await this.client.train(options);
      let vectors: Float32Array | null = null;
      if (result.steps > 0) {
        const out = new Float32Array(this.poolRows * this.dim);
        await this.client.embedPool({ chunkRows: EMBED_CHUNK_ROWS }, (at, chunk) => out.set(chunk, at * this.dim));
        vectors = out;
      }
      const output: RoundOutput = { result, vectors, rows: this.poolRows };
      install(output);
      const wanted = vectors !== null ? scan?.rows() : undefined;
      if (wanted !== undefined && scan !== undefined) {
        let neighbours: RoundOutput['neighbours'];
        try {
          if (wanted.rows.length > 0 && wanted.k > 0) {
            const found = await this.client.topK(wanted.rows, wanted.k);
            neighbours = {
              rows: wanted.rows,
              lists: wanted.rows.map((_, i) => {
                const list: Neighbour[] = [];
                for (let j = 0; j < wanted.k && found.indices[i * wanted.k + j] >= 0; j++) {
                  list.push({ row: found.indices[i * wanted.k + j], score: found.scores[i * wanted.k + j] });
                }
                return list;
              })
            };
          }
        } finally {
          scan.done(neighbours);
        }
        output.neighbours = neighbours;
      }
      return output;
    });
  }

  setLoss(options: { loss?: 'triplet' | 'infonce' | 'cosine'; margin?: number }): Promise<boolean> {
    return this.run(() => this.client.setOptions(options));
  }

  weights(): Promise<WeightsResult> {
    return this.run(() => this.client.weights());
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => this.client.worker.terminate());
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/**
 * See pinNativeAddon: without it the process crashes when a worker on a native backend ends (the trainer's or
 * the sentence encoder's). Failing to pin is logged only.
 */
export function keepNativeLoaded(backend: NativeBackendName): void {
  try {
    pinNativeAddon(NATIVE_PACKAGES[backend]);
  } catch (err) {
    log('error', `cannot keep ${NATIVE_PACKAGES[backend]} loaded in the main thread: ${describeError(err)}`);
  }
}
