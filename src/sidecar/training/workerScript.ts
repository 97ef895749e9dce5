import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the trainer worker's entry lives: next to the bundle in production, the TypeScript source in dev/tests. */
export function trainerWorkerScript(): { script: string; workerData?: { tsEntry: string } } {
  const bundled = join(__dirname, 'trainer-worker.js');
  if (existsSync(bundled)) {
    return { script: bundled };
  }
  const training = join(__dirname, '..', 'engine', 'training');
  return {
    script: join(training, 'tsWorkerBootstrap.js'),
    workerData: { tsEntry: join(training, 'trainerWorker.ts') }
  };
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** The TF.js backend to train with: `TUNELAB_BACKEND` (tensorflow | wasm | cpu), else wasm. */
export function backendChoice(env: NodeJS.ProcessEnv = process.env): BackendChoice {
  const wanted = env.TUNELAB_BACKEND;
  return BACKENDS.find(name => name === wanted) ?? 'wasm';
}
