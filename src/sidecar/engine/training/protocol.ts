import type { BackendInfo, BackendPreference } from '../backend';
import type { EngineErrorKind } from '../errors';
import type {
  CnnEncoderOptions,
  HashedTextEncoderOptions,
  LinearAdapterOptions,
  MlpEncoderOptions,
  ResidualCnnOptions,
  ResidualMlpOptions,
  TailorOptions
} from '../models';
import type { PairLabel, TrainerOptions, TrainProgress, TrainRoundResult } from './pairwiseTrainer';

/** Messages between `TrainerClient` (main thread) and `trainerWorker` (worker thread). */

export type ModelSpec = (
  | ({ kind: 'mlp' } & MlpEncoderOptions)
  | ({ kind: 'cnn' } & CnnEncoderOptions)
  | ({ kind: 'hashed-text' } & HashedTextEncoderOptions)
  | ({ kind: 'residual-mlp' } & ResidualMlpOptions)
  | ({ kind: 'residual-cnn' } & ResidualCnnOptions)
  /** A dim→dim linear head (identity at start) over a frozen sentence encoder's embeddings. */
  | ({ kind: 'linear-adapter' } & LinearAdapterOptions)
  /**
   * A BERT-family sentence encoder (a Hugging Face / sentence-transformers directory) trained itself over
   * token rows (`tokenRows`): its top `trainLayers` layers, or every weight when unset.
   */
  | { kind: 'bert-encoder'; modelDir: string; trainLayers?: number; trainMaxLength?: number }
  /** A TF.js layers model from a local model.json (optionally tailored); `outputDim` is checked if set. */
  | { kind: 'file'; path: string; tailor?: TailorOptions; outputDim?: number }
) & {
  /** Trainer options this model trains best with; the options set in `InitParams.trainer` win. */
  trainer?: TrainerOptions;
};

export interface InitParams {
  backend?: { preferred?: BackendPreference; wasmDir?: string; patchMatMul?: boolean };
  model: ModelSpec;
  trainer?: TrainerOptions;
  /** Featurized pool rows (transferred). */
  pool?: Float32Array;
  /** Merged into the model's `userDefinedMetadata.tunelab` (so saved/exported models describe their input). */
  metadata?: Record<string, unknown>;
  /**
   * A saved version of this model, which the built model starts from (a resumed dataset): a layers model's
   * model.json, or a tuned BERT encoder's sentence-transformers directory (its model.safetensors).
   */
  initialWeights?: string;
}

export interface InitResult {
  backend: BackendInfo;
  inputRowSize: number;
  outputDim: number;
  modelVersion: number;
}

export type WorkerRequest =
  | { type: 'init'; id: number; params: InitParams }
  | { type: 'setPool'; id: number; rows: Float32Array }
  | { type: 'appendPool'; id: number; rows: Float32Array }
  | { type: 'appendPoolEmbedded'; id: number; rows: Float32Array; vectors: Float32Array }
  | { type: 'setLabels'; id: number; labels: PairLabel[] }
  | { type: 'setOptions'; id: number; options: Pick<TrainerOptions, 'loss' | 'margin'> }
  | { type: 'train'; id: number; epochs?: number; batchSize?: number; learningRate?: number }
  | { type: 'embed'; id: number; rows: Float32Array; batchSize?: number }
  | { type: 'embedPool'; id: number; start?: number; end?: number; batchSize?: number; chunkRows?: number }
  | { type: 'topK'; id: number; rows: number[]; k: number }
  | { type: 'save'; id: number; dir: string }
  | { type: 'weights'; id: number }
  | { type: 'encoderTensors'; id: number }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'dispose'; id: number };

export interface WorkerErrorPayload {
  name: string;
  message: string;
  kind?: EngineErrorKind;
  details?: Record<string, unknown>;
}

export interface WeightsResult {
  modelTopology: object;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
  userDefinedMetadata?: object;
}

/** A 'bert-encoder' model's weights in Hugging Face names and layout (`BertModel.hfTensors`), transferable. */
export interface EncoderTensorsResult {
  modelVersion: number;
  tensors: { name: string; shape: number[]; values: Float32Array }[];
}

export type WorkerResponse =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WorkerErrorPayload }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'chunk'; id: number; start: number; vectors: Float32Array };

export type { TrainRoundResult };
