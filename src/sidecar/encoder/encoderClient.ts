import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendPreference } from '../../protocol/messages';
import { backendDefaults } from '../training/backendDefaults';
import type { EncoderInit, EncoderRequest, EncoderResponse } from './protocol';

/** Distributive Omit so each request variant keeps its own fields. */
type RequestBody = EncoderRequest extends infer R ? (R extends EncoderRequest ? Omit<R, 'id'> : never) : never;

/** The encoder process's entry: bundled next to sidecar.js in production, the TypeScript source in dev/tests. */
function encoderProcessScript(): { script: string; env: NodeJS.ProcessEnv } {
  const bundled = join(__dirname, 'encoder-process.js');
  if (existsSync(bundled)) {
    return { script: bundled, env: {} };
  }
  return {
    script: join(__dirname, '..', 'engine', 'training', 'tsWorkerBootstrap.js'),
    env: { TUNELAB_TS_ENTRY: join(__dirname, 'encoderProcess.ts') }
  };
}

/** Counts encoder processes started by this process (tests check that a cached pool starts none). */
export const encoderStarts = { count: 0 };

export interface EncoderStartOptions {
  /** The session's `backend` (undefined: the sidecar's default, resolved like the trainer worker's). */
  backend?: BackendPreference;
  /** TensorFlow's intra-op threads in the process (native backends; wasm in Node is single-threaded anyway). */
  intraOpThreads: number;
}

/** The sidecar's handle on one frozen sentence encoder in its own child process. */
export class EncoderClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError?: Error;
  /** Resolves with why once the process has exited. */
  readonly exited: Promise<Error>;

  private constructor(
    private readonly child: ChildProcess,
    private info: EncoderInit = { backend: { name: 'cpu' }, dim: 0 }
  ) {
    let exited: (err: Error) => void = () => undefined;
    this.exited = new Promise(resolve => (exited = resolve));
    child.on('message', (msg: EncoderResponse) => {
      const pending = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'result') {
        pending?.resolve(msg.value);
      } else {
        pending?.reject(new Error(msg.message));
      }
    });
    const failAll = (err: Error): void => {
      this.exitError ??= err;
      this.pending.forEach(p => p.reject(err));
      this.pending.clear();
    };
    child.on('error', failAll);
    child.on('exit', (code, signal) => {
      failAll(new Error(`the encoder process exited with ${signal !== null ? `signal ${signal}` : `code ${code}`}`));
      exited(this.exitError as Error);
    });
  }

  /** Starts an encoder process and loads the model directory in it; rejects with the loader's message. */
  static async start(modelDir: string, options: EncoderStartOptions): Promise<EncoderClient> {
    const { script, env } = encoderProcessScript();
    const child = fork(script, [], {
      // Typed arrays cross the channel as typed arrays (V8 serialization), not as JSON.
      serialization: 'advanced',
      // Not the parent's flags (an inspector port, jest's): the encoder needs none.
      execArgv: [],
      // The sidecar's stdout carries its ready line to the supervisor: anything the encoder prints goes to stderr.
      stdio: ['ignore', 2, 2, 'ipc'],
      env: {
        ...process.env,
        ...env,
        TF_NUM_INTRAOP_THREADS: process.env.TF_NUM_INTRAOP_THREADS ?? String(options.intraOpThreads)
      }
    });
    const client = new EncoderClient(child);
    encoderStarts.count++;
    try {
      const preferred = backendDefaults.resolve(options.backend);
      client.info = (await client.request({ type: 'init', modelDir, backend: preferred })) as EncoderInit;
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  get dim(): number {
    return this.info.dim;
  }

  /** False once the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process's id (tests, diagnostics). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get backend(): EncoderInit['backend'] {
    return this.info.backend;
  }

  /** Sentence embeddings of `texts`, row-major [texts.length × dim]. */
  async encode(texts: string[]): Promise<Float32Array> {
    return (await this.request({ type: 'encode', texts })) as Float32Array;
  }

  /** Ends the process; requests in flight fail. */
  close(): void {
    if (this.alive) {
      this.child.kill();
    }
  }

  private request(body: RequestBody): Promise<unknown> {
    if (this.exitError !== undefined) {
      return Promise.reject(this.exitError);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...body, id }, err => {
        if (err) {
          this.pending.delete(id);
          reject(this.exitError ?? err);
        }
      });
    });
  }
}
