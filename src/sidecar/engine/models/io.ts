import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';
import { registerCustomLayers } from './l2normalize';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function toArrayBuffer(data: tf.io.WeightData): ArrayBuffer {
  return tf.io.CompositeArrayBuffer.join(data);
}

function resolveModelJson(p: string): string {
  if (p.startsWith('file://')) {
    p = p.slice('file://'.length);
  }
  return p.endsWith('.json') ? p : path.join(p, MODEL_JSON);
}

/**
 * A file-system IOHandler for TF.js layers models (tfjs-node's `file://` handler is not available).
 * Save: `dir/model.json` + `dir/weights.bin`. Load: a `model.json` path (or its directory); weight files
 * named in its manifest are read relative to it.
 */
export function fileSystemIO(location: string): tf.io.IOHandler {
  const jsonPath = resolveModelJson(location);
  const dir = path.dirname(jsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new EngineError('io', 'binary model topologies are not supported by the file handler');
      }
      await fs.promises.mkdir(dir, { recursive: true });
      const weights = artifacts.weightData ? toArrayBuffer(artifacts.weightData) : new ArrayBuffer(0);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {})
      };
      // Write weights first and the manifest last (renamed into place) so a reader never sees a
      // model.json pointing at missing or partial weights.
      await fs.promises.writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(weights));
      const tmp = `${jsonPath}.tmp-${process.pid}`;
      await fs.promises.writeFile(tmp, JSON.stringify(modelJSON));
      await fs.promises.rename(tmp, jsonPath);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength
        }
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await fs.promises.readFile(jsonPath, 'utf8');
      } catch (e) {
        throw new EngineError('io', `cannot read ${jsonPath}: ${(e as Error).message}`);
      }
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new EngineError('io', `${jsonPath} is not valid JSON: ${(e as Error).message}`);
      }
      if (!modelJSON.modelTopology) {
        throw new EngineError('io', `${jsonPath} has no modelTopology (is it a TF.js layers model?)`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async manifest => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.resolve(dir, p);
            if (path.relative(dir, file).startsWith('..')) {
              throw new EngineError('io', `weight path ${p} in ${jsonPath} points outside its directory`);
            }
            let buf: Buffer;
            try {
              buf = await fs.promises.readFile(file);
            } catch (e) {
              throw new EngineError('io', `cannot read weights file ${file}: ${(e as Error).message}`);
            }
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    }
  };
}

/** Loads a user's TF.js LayersModel from a local `model.json` (or the directory holding it). */
export async function loadLayersModel(location: string): Promise<tf.LayersModel> {
  registerCustomLayers();
  return tf.loadLayersModel(fileSystemIO(location));
}

/** Saves a model as `dir/model.json` + `dir/weights.bin`. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSystemIO(dir));
}

/** Serialises a model in memory: the same artifacts `saveLayersModel` would write. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async artifacts => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  if (!captured) {
    throw new EngineError('io', 'model.save produced no artifacts');
  }
  return { ...captured, weightData: captured.weightData ? toArrayBuffer(captured.weightData) : undefined };
}
