import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt, EngineError } from '../errors';
import { SentenceEncoder, WordPieceTokenizer } from '../models/bert';
import { normalizeRows, poolTokens } from '../models/bert/sentenceEncoder';
import type { TrainableEmbedding } from './trainableEmbedding';

/** Marks the positions of a token row past the text's end. */
const NO_TOKEN = -1;

/**
 * Pool rows of a BERT encoder: each text's token ids (with [CLS]/[SEP], truncated as the tokenizer does) in
 * `maxLength` float32 slots, NO_TOKEN after the end. Ids are < 2^24, exact in float32; keeping rows
 * float32 lets PairwiseTrainer hold them like any featurized pool, at 1 KB a text for 256 tokens.
 */
export function tokenRows(tokenizer: WordPieceTokenizer, texts: readonly string[]): Float32Array {
  const width = tokenizer.maxLength;
  const out = new Float32Array(texts.length * width).fill(NO_TOKEN);
  texts.forEach((text, i) => {
    if (typeof text !== 'string') {
      throw new EngineError('bad_data', `text row ${i} is not a string`, { row: i });
    }
    out.set(tokenizer.encode(text), i * width);
  });
  return out;
}

export interface BertEmbeddingOptions {
  /** Top transformer layers that train; ≥ the layer count (or undefined) trains every weight, embeddings included. */
  trainLayers?: number;
  /**
   * Tokens per text in training steps (default 128): longer texts are cut (keeping [SEP]). Activations grow
   * with batch × sequence length, and the tape keeps them for backprop; embedding (`training` false) always
   * reads the whole row, so the index and the export agree.
   */
  trainMaxLength?: number;
}

/**
 * A sentence encoder (BertModel + its pipeline's pooling + L2 normalisation) as a
 * PairwiseTrainer model over token rows (`tokenRows`). Every batch is cut to its longest row, so short texts
 * do not pay for the tokenizer's max length. With `trainLayers` below the layer count, the frozen lower
 * layers run in `prepare`, outside the optimizer's gradient tape, so their activations are freed at once.
 */
export class BertEmbedding implements TrainableEmbedding {
  readonly rowSize: number;
  readonly rowShape: readonly number[];
  readonly outputDim: number;
  /** 32 texts a forward pass, as SentenceEncoder.encode: attention scores grow with the square of the length. */
  readonly embedBatchSize = 32;
  /** First layer that trains (0 = every weight, embeddings included). */
  readonly firstTrainedLayer: number;
  private readonly trainMaxLength: number;
  private readonly trainable: tf.Variable[];

  constructor(
    readonly encoder: SentenceEncoder,
    options: BertEmbeddingOptions = {}
  ) {
    const layers = encoder.bert.config.numHiddenLayers;
    const trainLayers = options.trainLayers ?? layers;
    assertPositiveInt(trainLayers, 'trainLayers');
    if (trainLayers > layers) {
      throw new EngineError('bad_config', `trainLayers ${trainLayers} exceeds the model's ${layers} layers`);
    }
    this.trainMaxLength = options.trainMaxLength ?? 128;
    assertPositiveInt(this.trainMaxLength, 'trainMaxLength');
    this.rowSize = encoder.tokenizer.maxLength;
    this.rowShape = [this.rowSize];
    this.outputDim = encoder.dim;
    this.firstTrainedLayer = trainLayers >= layers ? 0 : layers - trainLayers;
    this.trainable = encoder.bert.variablesOfTopLayers(trainLayers);
  }

  /** Frozen lower layers of a training batch, computed outside the tape (nothing when every layer trains). */
  prepare(rows: Float32Array, n: number): tf.Tensor[] {
    if (this.firstTrainedLayer === 0) {
      return [];
    }
    return tf.tidy(() => {
      const { ids, mask } = this.batch(rows, n, true);
      return [this.encoder.bert.forwardLayers(this.encoder.bert.embed(ids), mask, 0, this.firstTrainedLayer), mask];
    });
  }

  apply(rows: Float32Array, n: number, training: boolean, prepared: tf.Tensor[] = []): tf.Tensor2D {
    const bert = this.encoder.bert;
    const layers = bert.config.numHiddenLayers;
    if (prepared.length === 2) {
      const [lower, mask] = prepared as [tf.Tensor2D, tf.Tensor2D];
      const [batch, seq] = mask.shape;
      const top = bert.forwardLayers(lower, mask, this.firstTrainedLayer, layers);
      return this.pool(tf.reshape(top, [batch, seq, bert.config.hiddenSize]), mask);
    }
    const { ids, mask } = this.batch(rows, n, training);
    return this.pool(bert.forward(ids, mask), mask);
  }

  trainableVariables(): tf.Variable[] {
    return this.trainable;
  }

  snapshot(): tf.Tensor[] {
    return this.trainable.map(v => tf.keep(v.clone()));
  }

  restore(weights: readonly tf.Tensor[]): void {
    this.trainable.forEach((v, i) => v.assign(weights[i]));
  }

  dispose(): void {
    this.encoder.dispose();
  }

  /** Pooled as the source pipeline says, then L2-normalised whatever it says: the index and losses use cosine. */
  private pool(tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    return normalizeRows(poolTokens(tokens, mask, this.encoder.pipeline.pooling));
  }

  /** Token ids and attention mask of `n` rows, cut to the longest (and to trainMaxLength when training). */
  private batch(rows: Float32Array, n: number, training: boolean): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
    const width = this.rowSize;
    const lengths = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let len = 0;
      while (len < width && rows[r * width + len] !== NO_TOKEN) {
        len++;
      }
      lengths[r] = len;
    }
    const longest = Math.max(1, ...lengths);
    const seq = training ? Math.min(longest, this.trainMaxLength) : longest;
    const ids = new Int32Array(n * seq).fill(this.encoder.tokenizer.padId);
    const mask = new Int32Array(n * seq);
    for (let r = 0; r < n; r++) {
      const len = Math.min(lengths[r], seq);
      for (let j = 0; j < len; j++) {
        ids[r * seq + j] = rows[r * width + j];
        mask[r * seq + j] = 1;
      }
      if (lengths[r] > seq) {
        ids[r * seq + seq - 1] = rows[r * width + lengths[r] - 1]; // keep the closing [SEP]
      }
    }
    return { ids: tf.tensor2d(ids, [n, seq], 'int32'), mask: tf.tensor2d(mask, [n, seq], 'int32') };
  }
}
