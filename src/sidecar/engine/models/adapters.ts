import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt } from '../errors';
import { convStack } from './convStack';
import { l2Normalize } from './l2normalize';
import { METADATA_KEY } from './encoders';

/**
 * Built-in trainable encoders that start (version 0) from the raw features' own neighbourhoods:
 *   y = L2(b + W2·relu(W1·b)),   b = P·L2(x)   (P only when the output width differs from the input's)
 * W2 (and its bias) start at zero, so v0 ranks items like the raw features' cosine (or, with P, like a
 * Johnson–Lindenstrauss random projection of them, which keeps cosines within ~1/√outputDim). Training
 * then learns a residual correction instead of having to rebuild neighbourhoods from a random network.
 */
export interface ResidualMlpOptions {
  inputDim: number;
  /** Embedding width; default: inputDim (no projection). */
  outputDim?: number;
  hiddenDim?: number;
  seed?: number;
  name?: string;
}

export interface ResidualCnnOptions {
  height: number;
  width: number;
  channels: number;
  /** Embedding width; default: the pooled image size (no projection). */
  outputDim?: number;
  filters?: number[];
  seed?: number;
  name?: string;
}

/** Largest pooled pixel vector the CNN's raw-pixel base path keeps. */
const MAX_BASE_DIM = 1024;

function seeded(seed: number | undefined, offset: number): { seed?: number } {
  return seed === undefined ? {} : { seed: seed + offset };
}

/** b → L2(b + W2·relu(W1·b)) with W2 = 0; `features` (optional) replaces b as the branch input. */
function residualHead(
  base: tf.SymbolicTensor,
  dim: number,
  hiddenDim: number,
  seed: number | undefined,
  features: tf.SymbolicTensor = base
): tf.SymbolicTensor {
  const hidden = tf.layers
    .dense({
      units: hiddenDim,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform(seeded(seed, 1)),
      name: 'adapter_hidden'
    })
    .apply(features) as tf.SymbolicTensor;
  const delta = tf.layers
    .dense({ units: dim, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: 'adapter_out' })
    .apply(hidden) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'adapter_add' }).apply([base, delta]) as tf.SymbolicTensor;
  return l2Normalize(sum, 'output_l2');
}

/** Random Gaussian projection with variance 1/units (Johnson–Lindenstrauss): keeps cosines approximately. */
function projection(x: tf.SymbolicTensor, units: number, seed: number | undefined): tf.SymbolicTensor {
  return tf.layers
    .dense({
      units,
      useBias: false,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1 / Math.sqrt(units), ...seeded(seed, 7) }),
      name: 'projection'
    })
    .apply(x) as tf.SymbolicTensor;
}

export function createResidualMlpEncoder(opts: ResidualMlpOptions): tf.LayersModel {
  assertPositiveInt(opts.inputDim, 'inputDim');
  const outputDim = opts.outputDim ?? opts.inputDim;
  assertPositiveInt(outputDim, 'outputDim');
  const input = tf.input({ shape: [opts.inputDim], name: 'input' });
  let base = l2Normalize(input, 'input_l2');
  if (outputDim !== opts.inputDim) {
    base = projection(base, outputDim, opts.seed);
  }
  const output = residualHead(base, outputDim, opts.hiddenDim ?? Math.min(256, Math.max(32, outputDim)), opts.seed);
  const model = tf.model({ inputs: input, outputs: output, name: opts.name ?? 'residual_mlp_encoder' });
  model.setUserDefinedMetadata({ [METADATA_KEY]: { kind: 'residual-mlp' } });
  return model;
}

/** Pooling factor (power of two) that brings H×W×C under MAX_BASE_DIM values. */
export function basePoolFactor(height: number, width: number, channels: number): number {
  let f = 1;
  while (Math.floor(height / f) * Math.floor(width / f) * channels > MAX_BASE_DIM && f < Math.min(height, width)) {
    f *= 2;
  }
  return f;
}

/**
 * CNN for images whose v0 is the (average-pooled) raw pixels' cosine: a conv branch learns a zero-initialised
 * residual on top of the pooled pixel vector.
 */
export function createResidualCnnEncoder(opts: ResidualCnnOptions): tf.LayersModel {
  assertPositiveInt(opts.height, 'height');
  assertPositiveInt(opts.width, 'width');
  assertPositiveInt(opts.channels, 'channels');
  const input = tf.input({ shape: [opts.height, opts.width, opts.channels], name: 'input' });
  const f = basePoolFactor(opts.height, opts.width, opts.channels);
  let pooled: tf.SymbolicTensor = input;
  if (f > 1) {
    pooled = tf.layers
      .averagePooling2d({ poolSize: f, strides: f, name: 'base_pool' })
      .apply(input) as tf.SymbolicTensor;
  }
  const flat = tf.layers.flatten({ name: 'base_flatten' }).apply(pooled) as tf.SymbolicTensor;
  const baseDim = Math.floor(opts.height / f) * Math.floor(opts.width / f) * opts.channels;
  const outputDim = opts.outputDim ?? baseDim;
  assertPositiveInt(outputDim, 'outputDim');
  let base = l2Normalize(flat, 'base_l2');
  if (outputDim !== baseDim) {
    base = projection(base, outputDim, opts.seed);
  }
  const convolved = convStack(input, opts.height, opts.width, opts.filters ?? [16, 32], i =>
    tf.initializers.glorotUniform(seeded(opts.seed, 10 + i))
  );
  const features = tf.layers.flatten({ name: 'conv_flatten' }).apply(convolved) as tf.SymbolicTensor;
  const output = residualHead(base, outputDim, Math.min(256, Math.max(32, outputDim)), opts.seed, features);
  const model = tf.model({ inputs: input, outputs: output, name: opts.name ?? 'residual_cnn_encoder' });
  model.setUserDefinedMetadata({ [METADATA_KEY]: { kind: 'residual-cnn' } });
  return model;
}

export interface LinearAdapterOptions {
  /** Width of the frozen encoder's embeddings, kept by the adapter. */
  dim: number;
  name?: string;
}

/** Layer name of the adapter's dense layer (its kernel is [in, out], TF.js's layout). */
export const LINEAR_ADAPTER_LAYER = 'adapter_dense';

/**
 * Head over a frozen sentence encoder's cached embeddings: y = L2(W·x + b), W starting as the identity and
 * b at zero, so version 0 ranks exactly like the encoder. It is a sentence-transformers Dense layer (identity
 * activation) followed by Normalize, which is how a tuned model is exported.
 */
export function createLinearAdapter(opts: LinearAdapterOptions): tf.LayersModel {
  assertPositiveInt(opts.dim, 'dim');
  const input = tf.input({ shape: [opts.dim], name: 'input' });
  const dense = tf.layers
    .dense({
      units: opts.dim,
      kernelInitializer: tf.initializers.identity({}),
      biasInitializer: 'zeros',
      name: LINEAR_ADAPTER_LAYER
    })
    .apply(input) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: input,
    outputs: l2Normalize(dense, 'output_l2'),
    name: opts.name ?? 'linear_adapter'
  });
  model.setUserDefinedMetadata({ [METADATA_KEY]: { kind: 'linear-adapter' } });
  return model;
}
