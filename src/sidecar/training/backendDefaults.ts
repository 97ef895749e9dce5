import type { BackendPreference } from '../../protocol/messages';
import { invalidParams } from '../errors';

/** Environment variable with the sidecar's default backend (auto, tensorflow-gpu, tensorflow, wasm or cpu). */
export const BACKEND_ENV = 'TUNELAB_BACKEND';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** `TUNELAB_BACKEND`, `auto` when unset; a value naming no backend is an error, not silently ignored. */
export function envBackend(env: NodeJS.ProcessEnv = process.env): BackendPreference {
  const wanted = env[BACKEND_ENV];
  if (wanted === undefined || wanted === '') {
    return 'auto';
  }
  const found = PREFERENCES.find(name => name === wanted);
  if (found === undefined) {
    throw invalidParams(
      '/backend',
      `${BACKEND_ENV}='${wanted}' names no backend; use one of ${PREFERENCES.join(', ')}`
    );
  }
  return found;
}

/**
 * The backend each session's worker asks for, most specific first: the session's own `backend` (Python's
 * `backend=`), the JupyterLab setting the browser sent (`tunelab/preferences`), `TUNELAB_BACKEND`, `auto`.
 */
export class BackendDefaults {
  private fromSettings: BackendPreference = 'auto';

  /** The JupyterLab setting; `auto` means the user expressed no preference. */
  get settings(): BackendPreference {
    return this.fromSettings;
  }

  set settings(backend: BackendPreference) {
    this.fromSettings = backend;
  }

  resolve(session: BackendPreference | undefined, env: NodeJS.ProcessEnv = process.env): BackendPreference {
    if (session !== undefined) {
      return session;
    }
    return this.fromSettings !== 'auto' ? this.fromSettings : envBackend(env);
  }
}

/** The sidecar's defaults (one sidecar process serves one user). */
export const backendDefaults = new BackendDefaults();
