/**
 * Whether the native `tensorflow` backend (`make native`) can run here, initialised once per benchmark
 * process. A benchmark measures it when it can and records why not otherwise.
 */
import { initBackend } from '../../src/sidecar/engine/backend';

export interface NativeAvailability {
  available: boolean;
  /** Why the native backend was not measured (missing build, failed load). */
  reason?: string;
}

/** Switches to the native backend if it loads; the previous backend stays active otherwise. */
export async function tryNativeBackend(): Promise<NativeAvailability> {
  try {
    await initBackend({ preferred: 'tensorflow' });
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
