import { availableParallelism } from 'node:os';
import type { BackendPreference } from '../../protocol/messages';
import { describeError, log } from '../log';
import { EncoderClient } from './encoderClient';

/**
 * How a pool's encoding is spread over the CPU: `streams` encoder processes of `intraOpThreads` TensorFlow
 * threads each. On 2 cores, two one-thread processes embed about 1.3× faster than one two-thread process
 * (TensorFlow's intra-op parallelism idles on BERT's small matmuls; bench/engine/bertEmbed.ts measures both
 * paths), so the cores go to separate streams first. At most 2 streams: each holds a copy of the model.
 */
export function streamPlan(cores: number = availableParallelism()): { streams: number; intraOpThreads: number } {
  const streams = Math.max(1, Math.min(2, cores));
  return { streams, intraOpThreads: Math.max(1, Math.floor(cores / streams)) };
}

/**
 * A frozen sentence encoder in one or more processes ("streams"), each encoding one batch of texts at a
 * time. The first stream starts at once; the others once it has reported its backend (a GPU one is not
 * shared between processes, so it stays alone). A stream that fails to start or exits is done without
 * (another takes over what it was encoding); once none is left, every encode fails with why.
 */
export class EncoderStreams {
  private readonly idle: EncoderClient[] = [];
  private readonly waiting: { resolve: (c: EncoderClient) => void; reject: (e: Error) => void }[] = [];
  private readonly started: Promise<EncoderClient>[] = [];
  /** Every stream that started, busy or idle. */
  private readonly running: EncoderClient[] = [];
  private failed?: Error;
  private closed = false;
  /** Streams whose process is starting. */
  private starting = 0;

  constructor(
    modelDir: string,
    backend: BackendPreference | undefined,
    plan: { streams: number; intraOpThreads: number } = streamPlan()
  ) {
    const start = (): Promise<EncoderClient> => {
      this.starting++;
      const client = EncoderClient.start(modelDir, { backend, intraOpThreads: plan.intraOpThreads });
      this.started.push(client);
      return client.then(
        started => {
          this.starting--;
          return this.watch(started);
        },
        (err: Error) => {
          this.starting--;
          this.failIfNoneLeft(err);
          throw err;
        }
      );
    };
    start().then(
      first => {
        if (this.closed || first.backend.name === 'tensorflow-gpu') {
          return;
        }
        for (let i = 1; i < plan.streams; i++) {
          start().catch(
            err =>
              this.closed ||
              log('warn', `an extra encoder process failed to start (${describeError(err)}); embedding with fewer`)
          );
        }
      },
      () => undefined // failIfNoneLeft has failed the encodes with why
    );
  }

  /**
   * Embeddings of `texts` from the next free stream, row-major [texts.length × dim]. If that stream's process
   * dies under them, another stream takes them (at most once per stream, so texts that kill every process
   * fail once none is left).
   */
  async encode(texts: string[]): Promise<Float32Array> {
    for (;;) {
      const client = await this.acquire();
      try {
        return await client.encode(texts);
      } catch (err) {
        if (client.alive) {
          throw err; // the encoder's own error (a bad model file, say): the same on every stream
        }
      } finally {
        this.ready(client);
      }
    }
  }

  /** Process ids of the streams started so far (tests, diagnostics). */
  processIds(): number[] {
    return this.running.flatMap(client => (client.pid !== undefined ? [client.pid] : []));
  }

  /** Ends every stream, started or starting; encodes in flight fail. */
  close(): void {
    this.closed = true;
    this.failed ??= new Error('the encoder was closed');
    this.waiting.splice(0).forEach(w => w.reject(this.failed as Error));
    this.started.forEach(client => void client.then(c => c.close()).catch(() => undefined));
  }

  /** A started stream serves encodes until it exits; when the last one has, encodes fail with why. */
  private watch(client: EncoderClient): EncoderClient {
    this.running.push(client);
    this.ready(client);
    void client.exited.then(err => {
      for (const list of [this.running, this.idle]) {
        const at = list.indexOf(client);
        if (at >= 0) {
          list.splice(at, 1);
        }
      }
      this.failIfNoneLeft(err);
    });
    return client;
  }

  private failIfNoneLeft(err: Error): void {
    if (this.running.length === 0 && this.starting === 0) {
      this.failed ??= err;
      this.waiting.splice(0).forEach(w => w.reject(err));
    }
  }

  private acquire(): Promise<EncoderClient> {
    if (this.failed !== undefined) {
      return Promise.reject(this.failed);
    }
    const client = this.idle.pop();
    if (client !== undefined) {
      return Promise.resolve(client);
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private ready(client: EncoderClient): void {
    if (this.closed) {
      client.close();
      return;
    }
    if (!client.alive) {
      return; // exited: watch() takes it out of the pool
    }
    const next = this.waiting.shift();
    if (next !== undefined) {
      next.resolve(client);
    } else {
      this.idle.push(client);
    }
  }
}
