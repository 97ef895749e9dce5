import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt, EngineError } from '../errors';
import { convStack } from './convStack';
import { l2Normalize } from './l2normalize';
import { TextFeaturizerConfig, resolveTextFeaturizerConfig } from './textFeaturizer';

/** Metadata key under which built-in models record how they were made (survives save/load). */
export const METADATA_KEY = 'tunelab';

export interface TunelabModelMetadata {
  kind: 'mlp' | 'cnn' | 'hashed-text' | 'residual-mlp' | 'residual-cnn' | 'linear-adapter' | 'tailored' | 'user';
  /** For hashed-text models: how to featurize raw text for this model. */
  featurizer?: TextFeaturizerConfig;
}

export interface MlpEncoderOptions {
  inputDim: number;
  hiddenDims?: number[];
  outputDim: number;
  activation?: 'relu' | 'elu' | 'tanh';
  dropout?: number;
  /** Seed for weight initialisation (deterministic models). */
  seed?: number;
  name?: string;
}

export interface CnnEncoderOptions {
  height: number;
  width: number;
  channels: number;
  outputDim: number;
  filters?: number[];
  seed?: number;
  name?: string;
}

export interface HashedTextEncoderOptions extends Partial<TextFeaturizerConfig> {
  hiddenDims?: number[];
  outputDim: number;
  seed?: number;
  name?: string;
}

function glorot(seed: number | undefined, offset: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed + offset });
}

function mlpLayers(
  input: tf.SymbolicTensor,
  hiddenDims: number[],
  outputDim: number,
  opts: { activation?: 'relu' | 'elu' | 'tanh'; dropout?: number; seed?: number }
): tf.SymbolicTensor {
  let x = input;
  hiddenDims.forEach((units, i) => {
    assertPositiveInt(units, `hiddenDims[${i}]`);
    x = tf.layers
      .dense({
        units,
        activation: opts.activation ?? 'relu',
        kernelInitializer: glorot(opts.seed, i),
        name: `hidden_${i + 1}`
      })
      .apply(x) as tf.SymbolicTensor;
    if (opts.dropout && opts.dropout > 0) {
      x = tf.layers
        .dropout({ rate: opts.dropout, seed: opts.seed, name: `dropout_${i + 1}` })
        .apply(x) as tf.SymbolicTensor;
    }
  });
  x = tf.layers
    .dense({ units: outputDim, kernelInitializer: glorot(opts.seed, 100), name: 'projection' })
    .apply(x) as tf.SymbolicTensor;
  return l2Normalize(x);
}

function withMetadata(model: tf.LayersModel, meta: TunelabModelMetadata): tf.LayersModel {
  model.setUserDefinedMetadata({ [METADATA_KEY]: meta as unknown as object });
  return model;
}

/** Reads the metadata a built-in model carries (undefined for foreign models). */
export function modelMetadata(model: tf.LayersModel): TunelabModelMetadata | undefined {
  const meta = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  return meta?.[METADATA_KEY] as TunelabModelMetadata | undefined;
}

/** MLP over vectors (or flattened images): inputDim → hiddenDims… → outputDim → L2 normalisation. */
export function createMlpEncoder(opts: MlpEncoderOptions): tf.LayersModel {
  assertPositiveInt(opts.inputDim, 'inputDim');
  assertPositiveInt(opts.outputDim, 'outputDim');
  const input = tf.input({ shape: [opts.inputDim], name: 'input' });
  const output = mlpLayers(input, opts.hiddenDims ?? [256], opts.outputDim, opts);
  return withMetadata(tf.model({ inputs: input, outputs: output, name: opts.name ?? 'mlp_encoder' }), {
    kind: 'mlp'
  });
}

/** Small CNN over images (height × width × channels): conv blocks → flatten → dense → L2 normalisation. */
export function createCnnEncoder(opts: CnnEncoderOptions): tf.LayersModel {
  assertPositiveInt(opts.height, 'height');
  assertPositiveInt(opts.width, 'width');
  assertPositiveInt(opts.channels, 'channels');
  assertPositiveInt(opts.outputDim, 'outputDim');
  const input = tf.input({ shape: [opts.height, opts.width, opts.channels], name: 'input' });
  const convolved = convStack(input, opts.height, opts.width, opts.filters ?? [16, 32], i => glorot(opts.seed, i));
  let x = tf.layers.flatten({ name: 'flatten' }).apply(convolved) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: opts.outputDim, kernelInitializer: glorot(opts.seed, 100), name: 'projection' })
    .apply(x) as tf.SymbolicTensor;
  const output = l2Normalize(x);
  return withMetadata(tf.model({ inputs: input, outputs: output, name: opts.name ?? 'cnn_encoder' }), {
    kind: 'cnn'
  });
}

export interface HashedTextEncoder {
  model: tf.LayersModel;
  featurizer: TextFeaturizerConfig;
}

/**
 * Text encoder trained from scratch: hashed word and char n-gram features (see `featurizeTexts`, run once
 * over the pool) → MLP → L2 normalisation. The featurizer config is stored in the model's metadata.
 */
export function createHashedTextEncoder(opts: HashedTextEncoderOptions): HashedTextEncoder {
  const featurizer = resolveTextFeaturizerConfig(opts);
  assertPositiveInt(opts.outputDim, 'outputDim');
  const input = tf.input({ shape: [featurizer.buckets], name: 'input' });
  const output = mlpLayers(input, opts.hiddenDims ?? [256], opts.outputDim, { seed: opts.seed });
  const model = withMetadata(tf.model({ inputs: input, outputs: output, name: opts.name ?? 'hashed_text_encoder' }), {
    kind: 'hashed-text',
    featurizer
  });
  return { model, featurizer };
}

/** Flattened input size of a single-input model, e.g. 784 for [null, 28, 28, 1]. */
export function inputSize(model: tf.LayersModel): { size: number; shape: number[] } {
  if (model.inputs.length !== 1) {
    throw new EngineError(
      'bad_config',
      `embedding models must have exactly one input, this one has ${model.inputs.length}`
    );
  }
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some(d => d === null || d === undefined)) {
    throw new EngineError('bad_config', `model input shape [${shape.join(', ')}] has unknown dimensions`);
  }
  const dims = shape as number[];
  return { size: dims.reduce((p, d) => p * d, 1), shape: dims };
}

/** Output width of an embedding model (rank-2 output required). */
export function outputSize(model: tf.LayersModel): number {
  if (model.outputs.length !== 1) {
    throw new EngineError(
      'bad_config',
      `embedding models must have exactly one output, this one has ${model.outputs.length}`
    );
  }
  const shape = model.outputs[0].shape;
  if (shape.length !== 2 || typeof shape[1] !== 'number') {
    throw new EngineError(
      'bad_config',
      `embedding models must output [batch, dim]; this one outputs [${shape.map(String).join(', ')}] — use tailor() to add a projection head`
    );
  }
  return shape[1];
}

/** Throws a clear error if a model's output width differs from what the caller declared. */
export function assertOutputDim(model: tf.LayersModel, outputDim: number): void {
  assertPositiveInt(outputDim, 'outputDim');
  const actual = outputSize(model);
  if (actual !== outputDim) {
    throw new EngineError(
      'shape_mismatch',
      `output_dim mismatch: expected ${outputDim}, but the model outputs ${actual}-dimensional embeddings (set outputDim in tailor() to add a projection)`,
      { expected: outputDim, actual }
    );
  }
}
