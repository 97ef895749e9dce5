import type { SessionConfig, TrainingMode } from '../../protocol/messages';
import type { ModelSpec, TrainerOptions } from '../engine/training';
import type { TextFeaturizerConfig } from '../engine/models/textFeaturizer';
import { resolveTextFeaturizerConfig } from '../engine/models/textFeaturizer';
import { AllowedRoot } from '../data/allowedRoot';
import { rowSizeOf } from '../data/poolChunk';
import { invalidParams } from '../errors';
import { checkSentenceEncoderDir } from '../encoder/modelDir';
import { readBertConfig, resolveMaxLength } from '../engine/models/bert';

/** Built-in model names (`SessionConfig.model`). */
export const MODEL_NAMES = ['hashed-ngram', 'text-mlp', 'mlp', 'cnn', 'file', 'sentence-encoder'] as const;

/** How raw content becomes model input; recorded in exported models' metadata (docs/model-format.md). */
export type InputTransform =
  | { type: 'hashed-text'; featurizer: TextFeaturizerConfig }
  | { type: 'vector' }
  | { type: 'image'; scale: number; layout: 'HWC' }
  /** Texts embedded by a frozen sentence encoder (a Hugging Face directory) in its own worker, then cached. */
  | { type: 'sentence-encoder'; modelDir: string; trainingMode: TrainingMode; dim: number };

/** A session's model, decided (and validated) from its config before any worker starts. */
export type ModelPlan =
  { kind: 'fixed-text' } | { kind: 'trainable'; spec: ModelSpec; transform: InputTransform; inputShape: number[] };

/**
 * text-mlp's trainer: anchored to its starting model (PairwiseTrainer's `anchorWeight`). Its hashed n-gram
 * buckets are shared by many texts, so the labels' steps also move texts they never named; on Banking77
 * (bench/results/label-efficiency-anchor-banking77.json, 3 seeds, InfoNCE at 3e-4) held-out kNN kept rising
 * to 150 answers with the anchor (0.691 → 0.725, higher on every seed) and stalled at 0.709 without; mAP@10
 * came out the same (0.723 against 0.721). The mlp on Fashion-MNIST did slightly better without.
 */
export const TEXT_MLP_TRAINER: TrainerOptions = { anchorWeight: 1 };

/**
 * The sentence-encoder adapter's trainer: anchored to the pretrained embeddings, since a dense head moves
 * texts no label names as much as the labeled ones (same reasoning as TEXT_MLP_TRAINER).
 */
export const SENTENCE_ADAPTER_TRAINER: TrainerOptions = { anchorWeight: 1 };

/** Hashed text features of text-mlp: 1024 buckets keeps a 100k pool's features at 400 MB in the worker. */
export const TEXT_MLP_FEATURIZER: Partial<TextFeaturizerConfig> = { buckets: 1024, charNgrams: [3, 5], words: true };
const DEFAULT_TEXT_DIM = 256;
/** Wider inputs are projected down (JL) so a 100k index stays small and scans stay fast. */
const MAX_DEFAULT_DIM = 256;
const IMAGE_SCALE = 1 / 255;

export interface PlanOptions {
  /** The model directory may lie outside the allowed and model roots (a kernel client, or a stored dataset). */
  anyModelPath?: boolean;
  /** The TF.js backend trainer workers run on (its reported name), for the default training mode. */
  backend?: string;
}

/** Largest batch of tuning rounds (labels per step; each is 2+ texts through the encoder). */
export const SENTENCE_TUNING_MAX_BATCH = 16;

/**
 * The tuning trainer of top-layers / full modes: anchored as the adapter is, with few rows per step
 * (every row is a transformer forward and backward pass, its activations held for backprop) and rounds
 * bounded to 4 steps an epoch (8 at the default 2 epochs). MiniLM on wasm, 16 pairs a step
 * (bench/results/bert-train.json): ~4 s a step training the top 2 layers, ~8.5 s fully, about half
 * PyTorch's speed on one thread — a round takes 30–70 s before the pool's re-embedding starts.
 */
export const SENTENCE_TUNING_TRAINER: TrainerOptions = {
  anchorWeight: 1,
  anchorSamples: 8,
  randomNegatives: 4,
  maxExamplesPerEpoch: 4 * SENTENCE_TUNING_MAX_BATCH
};
/** Top layers that train in top-layers mode when trainLayers is unset. */
export const DEFAULT_TRAIN_LAYERS = 2;

/** Full fine-tuning on a GPU backend (tfjs-node-gpu), the adapter elsewhere (CPU, wasm). */
export function defaultTrainingMode(backend: string | undefined): TrainingMode {
  return backend === 'tensorflow-gpu' ? 'full' : 'adapter';
}

/**
 * Trainer options merged over every trainable model's own (ModelSpec.trainer), empty in the sidecar. The
 * label-efficiency benchmark sets them in its process for baselines no user should pick, e.g. Finetuner's
 * fresh optimizer every round; the protocol cannot reach them.
 */
export const BENCHMARK_TRAINER_OVERRIDES: TrainerOptions = {};

/** Validates model/content/shape/path choices; throws InvalidParams naming the field. */
export function planModel(config: SessionConfig, root: AllowedRoot, options: PlanOptions = {}): ModelPlan {
  const plan = choosePlan(config, root, options);
  if (plan.kind !== 'trainable' || Object.keys(BENCHMARK_TRAINER_OVERRIDES).length === 0) {
    return plan;
  }
  return { ...plan, spec: { ...plan.spec, trainer: { ...plan.spec.trainer, ...BENCHMARK_TRAINER_OVERRIDES } } };
}

function choosePlan(config: SessionConfig, root: AllowedRoot, options: PlanOptions): ModelPlan {
  const { model, contentType } = config;
  const seed = config.seed ?? 1;
  const needs = (wanted: string[]): void => {
    if (!wanted.includes(contentType)) {
      throw invalidParams(
        '/contentType',
        `model '${model}' works on ${wanted.join(' or ')} items, not '${contentType}'`
      );
    }
  };
  switch (model) {
    case 'hashed-ngram':
      needs(['text']);
      return { kind: 'fixed-text' };
    case 'text-mlp': {
      needs(['text']);
      const featurizer = resolveTextFeaturizerConfig({ ...TEXT_MLP_FEATURIZER, seed: 0 });
      const spec: ModelSpec = {
        kind: 'residual-mlp',
        inputDim: featurizer.buckets,
        outputDim: config.outputDim ?? DEFAULT_TEXT_DIM,
        seed,
        trainer: TEXT_MLP_TRAINER
      };
      return {
        kind: 'trainable',
        spec,
        transform: { type: 'hashed-text', featurizer },
        inputShape: [featurizer.buckets]
      };
    }
    case 'mlp': {
      needs(['vector', 'image']);
      const size = rowSizeOf(config);
      const spec: ModelSpec = {
        kind: 'residual-mlp',
        inputDim: size,
        outputDim: config.outputDim ?? Math.min(size, MAX_DEFAULT_DIM),
        seed
      };
      return { kind: 'trainable', spec, transform: transformOf(config), inputShape: [size] };
    }
    case 'cnn': {
      needs(['image']);
      rowSizeOf(config);
      const [height, width, channels] = config.inputShape as number[];
      const spec: ModelSpec = { kind: 'residual-cnn', height, width, channels, outputDim: config.outputDim, seed };
      return { kind: 'trainable', spec, transform: transformOf(config), inputShape: [height, width, channels] };
    }
    case 'file': {
      needs(['vector', 'image']);
      rowSizeOf(config);
      if (config.modelPath === undefined) {
        throw invalidParams('/modelPath', "model 'file' needs modelPath (a TF.js model.json)");
      }
      const path = root.resolve(config.modelPath, '/modelPath');
      const tailor = config.tailor ? { ...config.tailor, seed } : undefined;
      const spec: ModelSpec = { kind: 'file', path, tailor, outputDim: tailor ? tailor.outputDim : config.outputDim };
      return {
        kind: 'trainable',
        spec,
        transform: transformOf(config),
        inputShape: [...(config.inputShape as number[])]
      };
    }
    case 'sentence-encoder': {
      needs(['text']);
      if (config.modelPath === undefined) {
        throw invalidParams('/modelPath', "model 'sentence-encoder' needs modelPath (a Hugging Face model directory)");
      }
      const mode = config.trainingMode ?? defaultTrainingMode(options.backend);
      if (config.trainLayers !== undefined && mode !== 'top-layers') {
        throw invalidParams('/trainLayers', `trainLayers applies to trainingMode 'top-layers', not '${mode}'`);
      }
      const modelDir = root.resolveModelDir(config.modelPath, '/modelPath', options.anyModelPath);
      const { dim } = checkSentenceEncoderDir(modelDir, '/modelPath');
      if (mode === 'adapter') {
        return {
          kind: 'trainable',
          spec: { kind: 'linear-adapter', dim, trainer: SENTENCE_ADAPTER_TRAINER },
          transform: { type: 'sentence-encoder', modelDir, trainingMode: mode, dim },
          inputShape: [dim]
        };
      }
      const layers = readBertConfig(modelDir).numHiddenLayers;
      const trainLayers = config.trainLayers ?? Math.min(DEFAULT_TRAIN_LAYERS, layers);
      if (!Number.isInteger(trainLayers) || trainLayers < 1 || trainLayers > layers) {
        throw invalidParams(
          '/trainLayers',
          `trainLayers must be an integer from 1 to ${layers} (the model's layers), got ${trainLayers}`
        );
      }
      return {
        kind: 'trainable',
        spec: {
          kind: 'bert-encoder',
          modelDir,
          trainLayers: mode === 'full' ? undefined : trainLayers,
          trainer: SENTENCE_TUNING_TRAINER
        },
        transform: { type: 'sentence-encoder', modelDir, trainingMode: mode, dim },
        inputShape: [resolveMaxLength(modelDir)]
      };
    }
    default:
      throw invalidParams('/model', `unknown model '${model}' (available: ${MODEL_NAMES.join(', ')})`);
  }
}

function transformOf(config: SessionConfig): InputTransform {
  return config.contentType === 'image' ? { type: 'image', scale: IMAGE_SCALE, layout: 'HWC' } : { type: 'vector' };
}
