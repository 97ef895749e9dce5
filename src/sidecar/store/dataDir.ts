import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { invalidParams, storeUnavailable } from '../errors';
import { describeError } from '../log';

export const DB_FILE_NAME = 'labels.sqlite3';
export const MODEL_DIR_NAME = 'models';

/** Where the label store lives. */
export interface StorePaths {
  dir: string;
  /** `<dir>/labels.sqlite3` */
  dbFile: string;
  /** `<dir>/models`: model version artifacts, `<modelDir>/<datasetId>/v<N>/` */
  modelDir: string;
}

/**
 * The store's directory: `TUNELAB_DATA_DIR` if set, else the `dataDir` of the sidecar config (the server passes
 * `<jupyter data dir>/tunelab`), else `~/.local/share/jupyter/tunelab` (Jupyter's default data dir on Linux).
 */
export function resolveDataDir(configDataDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TUNELAB_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') {
    return expandHome(fromEnv);
  }
  if (configDataDir !== undefined && configDataDir !== '') {
    return expandHome(configDataDir);
  }
  return join(homedir(), '.local', 'share', 'jupyter', 'tunelab');
}

/** `~` and `~/x` as Python's `Path.expanduser()` reads them (tunelab/store.py finds the store the same way). */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : resolve(path);
}

/**
 * Resolves the store's paths and creates the directories (mode 0700: labels may be private data) when missing.
 * Existing directories keep their mode. Throws `store_unavailable` when they cannot be created.
 */
export function prepareStorePaths(configDataDir?: string, env: NodeJS.ProcessEnv = process.env): StorePaths {
  const dir = resolveDataDir(configDataDir, env);
  const paths = { dir, dbFile: join(dir, DB_FILE_NAME), modelDir: join(dir, MODEL_DIR_NAME) };
  try {
    mkdirSync(paths.modelDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storeUnavailable(`cannot create the Tunelab data directory ${paths.modelDir} (${describeError(err)})`);
  }
  return paths;
}

/** Dataset ids become directory names: only plain names, never `..` or separators. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** `<modelDir>/<datasetId>/v<version>`: where a model version's model.json and weights.bin go. */
export function modelVersionDir(modelDir: string, datasetId: string, version: number): string {
  if (!SAFE_SEGMENT.test(datasetId)) {
    throw invalidParams('/sessionId', `dataset id ${JSON.stringify(datasetId)} cannot name a directory`);
  }
  if (!Number.isInteger(version) || version < 0) {
    throw invalidParams('/version', `model version must be a non-negative integer, got ${version}`);
  }
  return join(modelDir, datasetId, `v${version}`);
}
