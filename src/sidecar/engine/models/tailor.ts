import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt, EngineError } from '../errors';
import { l2Normalize } from './l2normalize';
import { METADATA_KEY, modelMetadata } from './encoders';

export interface TailorOptions {
  /** Name of the layer whose output becomes the embedding (default: the model's output). */
  cutAtLayer?: string;
  /** Freeze the base model's layers (only the projection head trains; needs `outputDim`). */
  freeze?: boolean;
  /** Append a dense projection head of this width. */
  outputDim?: number;
  /** Append L2 normalisation (default true). */
  normalize?: boolean;
  /** Seed of the projection head's initialiser. */
  seed?: number;
}

/**
 * Turns a general model into an embedding model: cut at a named layer, flatten if the cut output is
 * not rank 2, optionally freeze the base, add a projection head (`outputDim`) and L2 normalisation.
 * The result shares layers (and weights) with `model`, like Finetuner's in-place training.
 */
export function tailor(model: tf.LayersModel, opts: TailorOptions = {}): tf.LayersModel {
  if (opts.outputDim !== undefined) {
    assertPositiveInt(opts.outputDim, 'outputDim');
  }
  if (model.inputs.length !== 1) {
    throw new EngineError('bad_config', `tailor needs a single-input model, this one has ${model.inputs.length}`);
  }
  let cut: tf.SymbolicTensor;
  if (opts.cutAtLayer !== undefined) {
    const names = model.layers.map(l => l.name);
    if (!names.includes(opts.cutAtLayer)) {
      throw new EngineError(
        'unknown_layer',
        `no layer named '${opts.cutAtLayer}' in model '${model.name}'; available layers: ${names.join(', ')}`,
        { expected: names, actual: opts.cutAtLayer }
      );
    }
    const layer = model.getLayer(opts.cutAtLayer);
    const out = layer.output;
    if (Array.isArray(out)) {
      throw new EngineError(
        'bad_config',
        `layer '${opts.cutAtLayer}' has ${out.length} outputs; cut at a single-output layer`
      );
    }
    cut = out;
  } else {
    if (model.outputs.length !== 1) {
      throw new EngineError(
        'bad_config',
        `model '${model.name}' has ${model.outputs.length} outputs; name a layer in cutAtLayer`
      );
    }
    cut = model.outputs[0];
  }
  if (opts.freeze) {
    if (opts.outputDim === undefined) {
      throw new EngineError('bad_config', 'freeze: true without outputDim leaves nothing to train; set outputDim');
    }
    for (const layer of model.layers) {
      layer.trainable = false;
    }
  }
  let x = cut;
  if (x.shape.length !== 2) {
    x = tf.layers.flatten({ name: 'tailor_flatten' }).apply(x) as tf.SymbolicTensor;
  }
  if (opts.outputDim !== undefined) {
    x = tf.layers
      .dense({
        units: opts.outputDim,
        kernelInitializer: tf.initializers.glorotUniform(opts.seed === undefined ? {} : { seed: opts.seed }),
        name: 'tailor_projection'
      })
      .apply(x) as tf.SymbolicTensor;
  }
  if (opts.normalize ?? true) {
    x = l2Normalize(x, 'tailor_l2_normalize');
  }
  const tailored = tf.model({ inputs: model.inputs[0], outputs: x, name: `${model.name}_tailored` });
  const base = modelMetadata(model);
  tailored.setUserDefinedMetadata({ [METADATA_KEY]: { ...(base ?? {}), kind: 'tailored' } });
  return tailored;
}
