import * as tf from '@tensorflow/tfjs';

export interface L2NormalizeArgs {
  name?: string;
  /** Small constant under the square root so an all-zero row stays finite. */
  epsilon?: number;
}

/**
 * Divides each row by its L2 norm (last axis). A registered custom layer (not a Lambda) so models
 * containing it serialise to model.json and load back, as long as this module has been imported.
 */
export class L2Normalize extends tf.layers.Layer {
  static className = 'TunelabL2Normalize';
  private readonly epsilon: number;

  constructor(args: L2NormalizeArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-12;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const sq = tf.sum(tf.square(x), -1, true);
      return tf.mul(x, tf.rsqrt(tf.add(sq, this.epsilon)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

let registered = false;

/**
 * Registers the engine's custom layers with TF.js serialization (idempotent). Called by every loader and
 * factory, so registration survives bundlers that drop side-effect-only imports (the package declares
 * `sideEffects`).
 */
export function registerCustomLayers(): void {
  if (!registered) {
    tf.serialization.registerClass(L2Normalize);
    registered = true;
  }
}

registerCustomLayers();

/** Applies an L2Normalize layer to a symbolic tensor. */
export function l2Normalize(x: tf.SymbolicTensor, name = 'l2_normalize'): tf.SymbolicTensor {
  registerCustomLayers();
  return new L2Normalize({ name }).apply(x) as tf.SymbolicTensor;
}
