import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { WeightsResult } from '../engine/training';
import type { EffectiveConfig } from '../sessions/sessionOptions';
import type { ModelPlan } from './modelPlan';

/** Version of the `userDefinedMetadata.tunelab` block (docs/model-format.md). */
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface ExportedModel {
  modelVersion: number;
  /** model.json text: topology, weightsManifest (one group, paths ["weights.bin"]), Tunelab metadata. */
  modelJson: string;
  /** weights.bin: every weight of the manifest, concatenated in manifest order. */
  weights: Uint8Array;
}

/** Builds the TF.js layers artifacts of a session's model, with the featurization the Python side needs. */
export function exportArtifacts(
  weights: WeightsResult,
  plan: Extract<ModelPlan, { kind: 'trainable' }>,
  config: EffectiveConfig,
  modelVersion: number,
  outputDim: number
): ExportedModel {
  const engineMeta = (weights.userDefinedMetadata as { tunelab?: Record<string, unknown> } | undefined)?.tunelab ?? {};
  const tunelab = {
    ...engineMeta,
    formatVersion: MODEL_FORMAT_VERSION,
    sessionModel: config.model,
    modelVersion,
    contentType: config.contentType,
    /** Shape of one model input row (the model's input layer, without the batch axis). */
    inputShape: plan.inputShape,
    input: plan.transform,
    outputDim,
    normalized: true
  };
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    modelTopology: weights.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: weights.weightSpecs }],
    userDefinedMetadata: { tunelab }
  };
  return { modelVersion, modelJson: JSON.stringify(modelJson), weights: new Uint8Array(weights.weightData) };
}

/** Writes model.json + weights.bin into `dir`: weights first, the manifest last (renamed into place). */
export async function writeArtifacts(dir: string, model: ExportedModel): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, WEIGHTS_BIN), model.weights);
  const tmp = join(dir, `${MODEL_JSON}.tmp-${process.pid}`);
  await fs.writeFile(tmp, model.modelJson);
  await fs.rename(tmp, join(dir, MODEL_JSON));
  return [MODEL_JSON, WEIGHTS_BIN];
}
