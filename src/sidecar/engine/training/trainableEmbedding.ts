import * as tf from '@tensorflow/tfjs';
import { inputSize, outputSize } from '../models/encoders';

/**
 * What PairwiseTrainer trains: a differentiable map from pool rows (flat float32, `rowSize` values each)
 * to embeddings. Why an interface rather than tf.LayersModel: a BERT encoder (BertModel, one tf.Variable
 * per Hugging Face tensor) is not a layers model, and forking the trainer would fork its losses, sampling,
 * anchor term and pool bookkeeping. The trainer only ever needs these few operations; `LayersEmbedding`
 * and `BertEmbedding` are its two implementations.
 */
export interface TrainableEmbedding {
  /** Values per pool row, and their shape (for error messages and layers inputs). */
  readonly rowSize: number;
  readonly rowShape: readonly number[];
  readonly outputDim: number;
  /** Rows per inference batch when the caller names none (default 256); a transformer wants fewer. */
  readonly embedBatchSize?: number;
  /**
   * Work on a training batch that needs no gradient (a frozen prefix of the model), done before the
   * optimizer's tape starts so its activations are not kept for backprop; the trainer hands the result to
   * `apply` and disposes it after the step.
   */
  prepare?(rows: Float32Array, n: number): tf.Tensor[];
  /** Embeddings [n, outputDim] of `n` rows; differentiable (call inside tf.tidy / optimizer.minimize). */
  apply(rows: Float32Array, n: number, training: boolean, prepared?: tf.Tensor[]): tf.Tensor2D;
  /** The variables the optimizer updates. */
  trainableVariables(): tf.Variable[];
  /** Copies of the weights that training changes (kept by the anchor term to embed with the starting model). */
  snapshot(): tf.Tensor[];
  /** Puts back a `snapshot()` (the tensors are copied, not taken over). */
  restore(weights: readonly tf.Tensor[]): void;
  dispose(): void;
}

/** A tf.LayersModel over featurized rows (the MLP, CNN, hashed-text and adapter models). */
export class LayersEmbedding implements TrainableEmbedding {
  readonly rowSize: number;
  readonly rowShape: readonly number[];
  readonly outputDim: number;

  constructor(readonly model: tf.LayersModel) {
    const { size, shape } = inputSize(model);
    this.rowSize = size;
    this.rowShape = shape;
    this.outputDim = outputSize(model);
  }

  apply(rows: Float32Array, n: number, training: boolean): tf.Tensor2D {
    const x = tf.tensor(rows, [n, ...this.rowShape], 'float32');
    return (training ? this.model.apply(x, { training: true }) : this.model.predict(x)) as tf.Tensor2D;
  }

  trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map(w => w.read() as tf.Variable);
  }

  snapshot(): tf.Tensor[] {
    return this.model.getWeights().map(w => tf.keep(w.clone()));
  }

  restore(weights: readonly tf.Tensor[]): void {
    this.model.setWeights([...weights]);
  }

  dispose(): void {
    this.model.dispose();
  }
}
