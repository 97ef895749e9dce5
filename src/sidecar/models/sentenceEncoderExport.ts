import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WeightsResult } from '../engine/training';
import { NamedTensor, writeSentenceTransformerDir } from '../engine/models/bert';
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
 * What a sentence-encoder session trained: the linear adapter's layers weights (adapter mode), or the
 * encoder's own tensors in Hugging Face names (top-layers and full modes, `BertModel.hfTensors`).
 */
export type SentenceEncoderSource = { modelDir: string; modelVersion: number; dataset: string } & (
  | { weights: WeightsResult; encoderTensors?: undefined }
  | { encoderTensors: ReadonlyMap<string, NamedTensor>; weights?: undefined }
);

/**
 * Writes a sentence-encoder session's model as a sentence-transformers directory at `directory`: the source
 * directory's encoder (adapter mode) or the tuned one (top-layers, full), its pooling, the adapter as a Dense
 * layer (adapter mode only: the other modes train no head), Normalize (every mode's output is L2-normalised).
 */
export function writeSentenceEncoderModel(directory: string, source: SentenceEncoderSource): SentenceEncoderExport {
  const files = writeSentenceTransformerDir(directory, {
    sourceDir: source.modelDir,
    encoderTensors: source.encoderTensors ?? null,
    dense: source.weights ? [linearAdapterDense(source.weights)] : [],
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
  source: SentenceEncoderSource
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
