import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WeightsResult } from '../engine/training';
import { writeSentenceTransformerDir } from '../engine/models/bert';
import { linearAdapterDense } from './linearAdapterExport';

/** Versions kept per dataset in the sidecar's export directory: enough for a notebook holding the last few. */
export const KEPT_EXPORTS = 3;

export interface SentenceEncoderExport {
  modelVersion: number;
  /** The sentence-transformers directory (SentenceTransformer(path) and tunelab.load_sentence_encoder read it). */
  directory: string;
  /** Files written, relative to `directory` (empty when this version's export already existed). */
  files: string[];
}

/**
 * Writes a sentence-encoder session's model (the frozen encoder's directory, the trained linear adapter as a
 * Dense layer, Normalize) as a sentence-transformers directory at `directory`.
 */
export function writeSentenceEncoderModel(
  directory: string,
  source: { modelDir: string; weights: WeightsResult; modelVersion: number; dataset: string }
): SentenceEncoderExport {
  const files = writeSentenceTransformerDir(directory, {
    sourceDir: source.modelDir,
    encoderTensors: null,
    dense: [linearAdapterDense(source.weights)],
    normalize: true,
    metadata: { tunelabDataset: source.dataset, modelVersion: String(source.modelVersion) }
  });
  return { modelVersion: source.modelVersion, directory, files };
}

/**
 * The export of one model version in the sidecar's own export directory (`<exportDir>/<datasetId>/v<N>`):
 * written once per version and reused, the oldest pruned beyond KEPT_EXPORTS. Kernels load it from there
 * (`session.model`); users' own copies go through model/save or `.save(path)`.
 */
export function exportSentenceEncoderVersion(
  exportDir: string,
  datasetId: string,
  source: { modelDir: string; weights: WeightsResult; modelVersion: number; dataset: string }
): SentenceEncoderExport {
  const datasetDir = join(exportDir, datasetId);
  const directory = join(datasetDir, `v${source.modelVersion}`);
  mkdirSync(datasetDir, { recursive: true });
  const result = existsSync(join(directory, 'modules.json'))
    ? { modelVersion: source.modelVersion, directory, files: [] }
    : writeSentenceEncoderModel(directory, source);
  const versions = readdirSync(datasetDir)
    .map(name => /^v(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(m => Number(m[1]))
    .sort((a, b) => b - a);
  for (const old of versions.slice(KEPT_EXPORTS)) {
    rmSync(join(datasetDir, `v${old}`), { recursive: true, force: true });
  }
  return result;
}
