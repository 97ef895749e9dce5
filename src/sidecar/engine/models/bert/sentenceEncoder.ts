import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt, EngineError } from '../../errors';
import { BertModel } from './bertModel';
import { PoolingMode, readBertConfig, readSentencePipeline, SentencePipeline } from './config';
import { readSafetensors } from './safetensors';
import { loadWordPieceTokenizer, WordPieceTokenizer } from './tokenizer';

/**
 * Pools token embeddings [batch, seq, hidden] into sentence embeddings [batch, hidden] the way
 * sentence-transformers' Pooling module does (mean over attended tokens, first token, or max over them).
 */
export function poolTokens(tokens: tf.Tensor3D, attentionMask: tf.Tensor2D, mode: PoolingMode): tf.Tensor2D {
  return tf.tidy(() => {
    if (mode === 'cls') {
      const [batch, , hidden] = tokens.shape;
      return tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, hidden]), [batch, hidden]);
    }
    const mask = tf.expandDims(tf.cast(attentionMask, 'float32'), -1);
    if (mode === 'max') {
      return tf.max(tf.add(tokens, tf.mul(tf.sub(1, mask), -1e9)), 1);
    }
    const summed = tf.sum(tf.mul(tokens, mask), 1);
    return tf.div(summed, tf.maximum(tf.sum(mask, 1), 1e-9));
  });
}

/** Row-wise L2 normalisation as torch.nn.functional.normalize (eps 1e-12 on the norm). */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12)));
}

export interface EncodeOptions {
  /** Texts per forward pass (default 32). */
  batchSize?: number;
  /** Called after each batch with the number of texts done. */
  onProgress?: (done: number, total: number) => void;
}

/** A sentence-transformers model (BERT-family): tokenizer + encoder + pooling (+ normalisation). */
export class SentenceEncoder {
  constructor(
    readonly tokenizer: WordPieceTokenizer,
    readonly bert: BertModel,
    readonly pipeline: SentencePipeline
  ) {}

  get dim(): number {
    return this.bert.config.hiddenSize;
  }

  /** Sentence embeddings of one already-tokenized batch (inside tidy; differentiable for training). */
  embedBatch(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D): tf.Tensor2D {
    const pooled = poolTokens(this.bert.forward(inputIds, attentionMask), attentionMask, this.pipeline.pooling);
    return this.pipeline.normalize ? normalizeRows(pooled) : pooled;
  }

  /**
   * Embeds texts, row-major [texts.length × dim]; rows come back in input order. Texts are sorted by
   * token count (as sentence-transformers does) and a batch also closes early when the next text is
   * under 4/5 of its longest: short texts then do not pad to a long one's length (on Banking77 that cuts
   * padded tokens from 10% to 6% of a 600-text slice, about 3% faster; under 1/2 was the old rule).
   * Padding is masked, so batching never changes the numbers, only the time.
   */
  async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array> {
    const batchSize = opts.batchSize ?? 32;
    assertPositiveInt(batchSize, 'batchSize');
    const dim = this.dim;
    const out = new Float32Array(texts.length * dim);
    const rows = texts.map((t, i) => {
      if (typeof t !== 'string') {
        throw new EngineError('bad_data', `text row ${i} is not a string`, { row: i });
      }
      return this.tokenizer.encode(t);
    });
    const order = [...texts.keys()].sort((a, b) => rows[b].length - rows[a].length);
    let done = 0;
    while (done < order.length) {
      const longest = rows[order[done]].length;
      let end = done + 1;
      while (end < order.length && end - done < batchSize && rows[order[end]].length * 5 >= longest * 4) {
        end++;
      }
      const idx = order.slice(done, end);
      const tokens = this.tokenizer.padBatch(idx.map(i => rows[i]));
      const emb = tf.tidy(() => {
        const ids = tf.tensor2d(tokens.inputIds, [tokens.batch, tokens.seqLength], 'int32');
        const mask = tf.tensor2d(tokens.attentionMask, [tokens.batch, tokens.seqLength], 'int32');
        return this.embedBatch(ids, mask);
      });
      const values = (await emb.data()) as Float32Array;
      emb.dispose();
      idx.forEach((row, j) => out.set(values.subarray(j * dim, (j + 1) * dim), row * dim));
      done = end;
      opts.onProgress?.(done, order.length);
    }
    return out;
  }

  dispose(): void {
    this.bert.dispose();
  }
}

/**
 * Loads a sentence-transformers (or plain Hugging Face BERT) directory from local disk: `config.json`,
 * `model.safetensors`, `tokenizer.json` or `vocab.txt`, and `modules.json` / `1_Pooling` when present.
 */
export function loadSentenceEncoder(dir: string): SentenceEncoder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new EngineError('io', `model directory ${dir} does not exist`);
  }
  const weightsFile = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(weightsFile)) {
    throw new EngineError('io', `${dir} has no model.safetensors (PyTorch .bin checkpoints are not read)`);
  }
  const config = readBertConfig(dir);
  const tokenizer = loadWordPieceTokenizer(dir);
  if (tokenizer.maxLength > config.maxPositionEmbeddings) {
    throw new EngineError(
      'bad_config',
      `max sequence length ${tokenizer.maxLength} exceeds max_position_embeddings ${config.maxPositionEmbeddings}`
    );
  }
  const bert = BertModel.fromTensors(config, readSafetensors(weightsFile));
  return new SentenceEncoder(tokenizer, bert, readSentencePipeline(dir));
}
