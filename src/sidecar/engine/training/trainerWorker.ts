import { join } from 'path';
import { parentPort, MessagePort } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { EngineError } from '../errors';
import {
  assertOutputDim,
  createCnnEncoder,
  createHashedTextEncoder,
  createLinearAdapter,
  createMlpEncoder,
  createResidualCnnEncoder,
  createResidualMlpEncoder,
  loadLayersModel,
  METADATA_KEY,
  modelArtifacts,
  tailor
} from '../models';
import { loadSentenceEncoder, readSafetensors } from '../models/bert';
import { BertEmbedding } from './bertEmbedding';
import { PairwiseTrainer, withTrainerDefaults } from './pairwiseTrainer';
import type { TrainableEmbedding } from './trainableEmbedding';
import type {
  EncoderTensorsResult,
  InitParams,
  InitResult,
  ModelSpec,
  WorkerRequest,
  WorkerResponse
} from './protocol';

/**
 * Worker side of the trainer. Requests are handled strictly one at a time, in arrival order (a `cancel`
 * is handled on arrival, so a long `train` can stop between steps). Entry point: this module, loaded in
 * a `worker_threads` Worker (bundled as its own esbuild entry in production).
 */

async function buildModel(spec: ModelSpec): Promise<tf.LayersModel | TrainableEmbedding> {
  switch (spec.kind) {
    case 'bert-encoder': {
      const encoder = loadSentenceEncoder(spec.modelDir);
      try {
        return new BertEmbedding(encoder, { trainLayers: spec.trainLayers, trainMaxLength: spec.trainMaxLength });
      } catch (err) {
        encoder.dispose();
        throw err;
      }
    }
    case 'mlp':
      return createMlpEncoder(spec);
    case 'cnn':
      return createCnnEncoder(spec);
    case 'hashed-text':
      return createHashedTextEncoder(spec).model;
    case 'residual-mlp':
      return createResidualMlpEncoder(spec);
    case 'residual-cnn':
      return createResidualCnnEncoder(spec);
    case 'linear-adapter':
      return createLinearAdapter(spec);
    case 'file': {
      const loaded = await loadLayersModel(spec.path);
      const model = spec.tailor ? tailor(loaded, spec.tailor) : loaded;
      if (spec.outputDim !== undefined) {
        assertOutputDim(model, spec.outputDim);
      }
      return model;
    }
    default:
      throw new EngineError('bad_config', `unknown model kind '${(spec as { kind: string }).kind}'`);
  }
}

/** Copies a saved model's weights into `model`; the architectures must match weight for weight. */
async function loadWeightsInto(model: tf.LayersModel, location: string): Promise<void> {
  const saved = await loadLayersModel(location);
  try {
    const weights = saved.getWeights();
    const expected = model.getWeights();
    const mismatch =
      weights.length !== expected.length || weights.some((w, i) => !tf.util.arraysEqual(w.shape, expected[i].shape));
    if (mismatch) {
      throw new EngineError('bad_config', `the saved model at ${location} does not match this session's model`);
    }
    model.setWeights(weights);
  } finally {
    saved.dispose();
  }
}

export class TrainerWorkerHost {
  private trainer: PairwiseTrainer | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly cancelled = new Set<number>();

  constructor(private readonly post: (msg: WorkerResponse, transfer?: ArrayBuffer[]) => void) {}

  /** Enqueues a request (cancel is immediate). */
  handle(msg: WorkerRequest): void {
    if (msg.type === 'cancel') {
      this.cancelled.add(msg.target);
      this.post({ type: 'result', id: msg.id, value: true });
      return;
    }
    this.queue = this.queue.then(() => this.run(msg));
  }

  private get t(): PairwiseTrainer {
    if (!this.trainer) {
      throw new EngineError('not_ready', 'the trainer worker has not been initialised (send init first)');
    }
    return this.trainer;
  }

  private async run(msg: Exclude<WorkerRequest, { type: 'cancel' }>): Promise<void> {
    try {
      const [value, transfer] = await this.dispatch(msg);
      this.post({ type: 'result', id: msg.id, value }, transfer);
    } catch (e) {
      const err = e as Error & { kind?: EngineError['kind']; details?: Record<string, unknown> };
      this.post({
        type: 'error',
        id: msg.id,
        error: { name: err.name ?? 'Error', message: err.message ?? String(e), kind: err.kind, details: err.details }
      });
    } finally {
      this.cancelled.delete(msg.id);
    }
  }

  private async dispatch(msg: Exclude<WorkerRequest, { type: 'cancel' }>): Promise<[unknown, ArrayBuffer[]?]> {
    switch (msg.type) {
      case 'init':
        return [await this.init(msg.params)];
      case 'setPool':
        this.t.setPool(msg.rows);
        return [this.t.size];
      case 'appendPool':
        return [this.t.appendPool(msg.rows)];
      case 'appendPoolEmbedded':
        return [
          { start: this.t.appendPoolEmbedded(msg.rows, msg.vectors), embedded: this.t.knownEmbeddingsAreCurrent }
        ];
      case 'setLabels':
        this.t.setLabels(msg.labels);
        return [this.t.labelCount];
      case 'setOptions':
        this.t.setOptions(msg.options);
        return [true];
      case 'train':
        return [
          await this.t.trainRound({
            epochs: msg.epochs,
            batchSize: msg.batchSize,
            learningRate: msg.learningRate,
            onProgress: progress => this.post({ type: 'progress', id: msg.id, progress }),
            shouldStop: () => this.cancelled.has(msg.id)
          })
        ];
      case 'embed': {
        const vectors = this.t.embed(msg.rows, msg.batchSize);
        return [vectors, [vectors.buffer as ArrayBuffer]];
      }
      case 'embedPool': {
        await this.t.embedPool(msg, (start, vectors) =>
          this.post({ type: 'chunk', id: msg.id, start, vectors }, [vectors.buffer as ArrayBuffer])
        );
        return [{ modelVersion: this.t.modelVersion }];
      }
      case 'topK': {
        const found = this.t.topK(msg.rows, msg.k);
        return [found, [found.indices.buffer as ArrayBuffer, found.scores.buffer as ArrayBuffer]];
      }
      case 'save':
        await this.t.save(msg.dir);
        return [{ dir: msg.dir, modelVersion: this.t.modelVersion }];
      case 'weights': {
        const art = await modelArtifacts(this.t.model);
        const weightData = art.weightData as ArrayBuffer;
        return [
          {
            modelTopology: art.modelTopology,
            weightSpecs: art.weightSpecs,
            weightData,
            userDefinedMetadata: art.userDefinedMetadata
          },
          [weightData]
        ];
      }
      case 'encoderTensors': {
        const net = this.t.net;
        if (!(net instanceof BertEmbedding)) {
          throw new EngineError('bad_config', 'the trainer model is not a BERT encoder');
        }
        const tensors = [...net.encoder.bert.hfTensors()].map(([name, t]) => ({
          name,
          shape: t.shape,
          values: t.values
        }));
        const result: EncoderTensorsResult = { modelVersion: this.t.modelVersion, tensors };
        return [result, tensors.map(t => t.values.buffer as ArrayBuffer)];
      }
      case 'dispose':
        this.trainer?.dispose();
        this.trainer = undefined;
        return [true];
      default:
        throw new EngineError('bad_input', `unknown request type '${(msg as { type: string }).type}'`);
    }
  }

  private async init(params: InitParams): Promise<InitResult> {
    const backend = await initBackend(params.backend ?? {});
    this.trainer?.dispose();
    this.trainer = undefined;
    const model = await buildModel(params.model);
    let trainer: PairwiseTrainer;
    try {
      let fromSavedVersion = false;
      if (params.initialWeights !== undefined) {
        if (model instanceof tf.LayersModel) {
          await loadWeightsInto(model, params.initialWeights);
        } else if (model instanceof BertEmbedding) {
          // A tuned encoder's saved version is a sentence-transformers directory (sentenceEncoderExport).
          model.encoder.bert.loadTensors(readSafetensors(join(params.initialWeights, 'model.safetensors')));
          fromSavedVersion = true;
        } else {
          throw new EngineError('bad_config', `a '${params.model.kind}' model does not start from saved weights`);
        }
      }
      if (params.metadata && model instanceof tf.LayersModel) {
        const current = (model.getUserDefinedMetadata() ?? {}) as Record<string, object>;
        model.setUserDefinedMetadata({ ...current, [METADATA_KEY]: { ...current[METADATA_KEY], ...params.metadata } });
      }
      // The model spec's trainer options (e.g. text-mlp's anchor) under the ones the session set.
      trainer = new PairwiseTrainer(model, withTrainerDefaults(params.trainer, params.model.trainer));
      if (fromSavedVersion) {
        trainer.startsFromSavedVersion();
      }
    } catch (err) {
      // Unreadable weights or a rejected option (e.g. a negative anchorWeight): no trainer owns the model.
      model.dispose();
      throw err;
    }
    if (params.pool) {
      trainer.setPool(params.pool);
    }
    this.trainer = trainer;
    return {
      backend,
      inputRowSize: trainer.inputRowSize,
      outputDim: trainer.outputDim,
      modelVersion: trainer.modelVersion
    };
  }
}

/** Wires a host to a MessagePort (the worker's parentPort). */
export function serveTrainer(port: MessagePort): TrainerWorkerHost {
  const host = new TrainerWorkerHost((msg, transfer) => port.postMessage(msg, transfer ?? []));
  port.on('message', (msg: WorkerRequest) => host.handle(msg));
  return host;
}

if (parentPort) {
  serveTrainer(parentPort);
}
