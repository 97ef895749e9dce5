import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendPreference } from '../../protocol/messages';
import { backendDefaults } from '../training/backendDefaults';
import { keepNativeLoaded } from '../training/modelWorker';
import type { EncoderInit, EncoderRequest, EncoderResponse } from './protocol';

/** Distributive Omit so each request variant keeps its own fields. */
type RequestBody = EncoderRequest extends infer R ? (R extends EncoderRequest ? Omit<R, 'id'> : never) : never;

/** The encoder worker's entry: bundled next to sidecar.js in production, the TypeScript source in dev/tests. */
function encoderWorkerScript(): { script: string; workerData?: { tsEntry: string } } {
  const bundled = join(__dirname, 'encoder-worker.js');
  if (existsSync(bundled)) {
    return { script: bundled };
  }
  return {
    script: join(__dirname, '..', 'engine', 'training', 'tsWorkerBootstrap.js'),
    workerData: { tsEntry: join(__dirname, 'encoderWorker.ts') }
  };
}

/** Counts encoder workers started in this process (tests check that a cached pool starts none). */
export const encoderStarts = { count: 0 };

/** Main-thread handle on one frozen sentence encoder in its own worker thread. */
export class EncoderClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError?: Error;

  private constructor(
    private readonly worker: Worker,
    private info: EncoderInit = { backend: { name: 'cpu' }, dim: 0 }
  ) {
    worker.on('message', (msg: EncoderResponse) => {
      const pending = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'result') {
        pending?.resolve(msg.value);
      } else {
        pending?.reject(new Error(msg.message));
      }
    });
    const failAll = (err: Error): void => {
      this.exitError = err;
      this.pending.forEach(p => p.reject(err));
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', code => failAll(new Error(`the encoder worker exited with code ${code}`)));
  }

  /**
   * Starts a worker on the session's backend (resolved like the trainer worker's) and loads the model
   * directory in it; rejects with the loader's message.
   */
  static async start(modelDir: string, backend?: BackendPreference): Promise<EncoderClient> {
    const { script, workerData } = encoderWorkerScript();
    const client = new EncoderClient(new Worker(script, { workerData }));
    encoderStarts.count++;
    try {
      const preferred = backendDefaults.resolve(backend);
      client.info = (await client.request({ type: 'init', modelDir, backend: preferred })) as EncoderInit;
      const name = client.info.backend.name;
      if (name === 'tensorflow' || name === 'tensorflow-gpu') {
        keepNativeLoaded(name);
      }
    } catch (err) {
      await client.worker.terminate();
      throw err;
    }
    return client;
  }

  get dim(): number {
    return this.info.dim;
  }

  /** Sentence embeddings of `texts`, row-major [texts.length × dim]. */
  async encode(texts: string[]): Promise<Float32Array> {
    return (await this.request({ type: 'encode', texts })) as Float32Array;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private request(body: RequestBody): Promise<unknown> {
    if (this.exitError !== undefined) {
      return Promise.reject(this.exitError);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id });
    });
  }
}
