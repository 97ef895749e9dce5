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
