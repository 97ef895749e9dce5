import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors';
import { BertConfig } from './config';
import { NamedTensor } from './safetensors';

/**
 * BERT encoder (embeddings + N transformer layers) as a functional TF.js model over explicit variables.
 *
 * Why not a tf.layers model: attention with a padding mask and a per-batch sequence length needs custom
 * layers anyway (and their serialisation), and the export target is a sentence-transformers directory,
 * not model.json. With one `tf.Variable` per Hugging Face tensor, keyed by its Hugging Face name, export
 * is a name-for-name write of safetensors, and freezing is choosing the variable list handed to the
 * optimizer (`variablesOfTopLayers`), with no `trainable` flags to keep in sync.
 *
 * Linear weights are stored as [in, out] (the transpose of PyTorch's [out, in]) so every matmul runs
 * untransposed, the fast path of the wasm backend; `hfTensors` transposes them back.
 */

const LINEAR_SUFFIXES = [
  'attention.self.query',
  'attention.self.key',
  'attention.self.value',
  'attention.output.dense',
  'intermediate.dense',
  'output.dense'
];

function isLinearWeight(name: string): boolean {
  return name.endsWith('.weight') && LINEAR_SUFFIXES.some(s => name.endsWith(`${s}.weight`));
}

/** Maps checkpoint names onto BertModel's: drops a `bert.` prefix, old `gamma`/`beta` LayerNorm names. */
export function canonicalName(name: string): string {
  return name
    .replace(/^bert\./, '')
    .replace(/LayerNorm\.gamma$/, 'LayerNorm.weight')
    .replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

function expectedShapes(c: BertConfig): Map<string, number[]> {
  const h = c.hiddenSize;
  const shapes = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, h]],
    ['embeddings.position_embeddings.weight', [c.maxPositionEmbeddings, h]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, h]],
    ['embeddings.LayerNorm.weight', [h]],
    ['embeddings.LayerNorm.bias', [h]]
  ]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const s of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      shapes.set(`${p}${s}.weight`, [h, h]);
      shapes.set(`${p}${s}.bias`, [h]);
    }
    shapes.set(`${p}attention.output.LayerNorm.weight`, [h]);
    shapes.set(`${p}attention.output.LayerNorm.bias`, [h]);
    shapes.set(`${p}intermediate.dense.weight`, [c.intermediateSize, h]);
    shapes.set(`${p}intermediate.dense.bias`, [c.intermediateSize]);
    shapes.set(`${p}output.dense.weight`, [h, c.intermediateSize]);
    shapes.set(`${p}output.dense.bias`, [h]);
    shapes.set(`${p}output.LayerNorm.weight`, [h]);
    shapes.set(`${p}output.LayerNorm.bias`, [h]);
  }
  return shapes;
}

function transpose2d(t: NamedTensor): Float32Array {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[c * rows + r] = t.values[r * cols + c];
    }
  }
  return out;
}

export class BertModel {
  private constructor(
    readonly config: BertConfig,
    /** One trainable variable per Hugging Face tensor, keyed by its BertModel name. */
    readonly variables: ReadonlyMap<string, tf.Variable>
  ) {}

  /** Builds the model from checkpoint tensors (e.g. `readSafetensors`); every BertModel weight must be there. */
  static fromTensors(config: BertConfig, tensors: ReadonlyMap<string, NamedTensor>): BertModel {
    const byName = new Map<string, NamedTensor>();
    for (const [name, t] of tensors) {
      byName.set(canonicalName(name), t);
    }
    const variables = new Map<string, tf.Variable>();
    try {
      for (const [name, shape] of expectedShapes(config)) {
        const t = byName.get(name);
        if (!t) {
          throw new EngineError('bad_config', `the checkpoint has no tensor '${name}'`);
        }
        if (t.shape.join('x') !== shape.join('x')) {
          throw new EngineError(
            'shape_mismatch',
            `tensor '${name}' has shape [${t.shape.join(', ')}], config.json implies [${shape.join(', ')}]`,
            { expected: shape, actual: t.shape }
          );
        }
        const linear = isLinearWeight(name);
        const values = linear ? transpose2d(t) : t.values;
        const tfShape = linear ? [shape[1], shape[0]] : shape;
        // The variable shares the tensor's data; disposing the tensor leaves the data to the variable alone,
        // so dispose() frees the weights (a kept tensor would pin them).
        const init = tf.tensor(values, tfShape, 'float32');
        variables.set(name, tf.variable(init, true));
        init.dispose();
      }
    } catch (e) {
      variables.forEach(v => v.dispose());
      throw e;
    }
    return new BertModel(config, variables);
  }

  /**
   * Sets every weight from checkpoint tensors of the same architecture (a tuned version Tunelab saved), with
   * fromTensors' checks: a missing tensor or a wrong shape throws and leaves the weights as they were.
   */
  loadTensors(tensors: ReadonlyMap<string, NamedTensor>): void {
    const loaded = BertModel.fromTensors(this.config, tensors);
    try {
      for (const [name, variable] of this.variables) {
        variable.assign(loaded.v(name));
      }
    } finally {
      loaded.dispose();
    }
  }

  private v(name: string): tf.Variable {
    const found = this.variables.get(name);
    if (!found) {
      throw new EngineError('bad_config', `missing variable ${name}`);
    }
    return found;
  }

  /** Variables of the top `n` transformer layers; n ≥ the number of layers gives all, embeddings included. */
  variablesOfTopLayers(n: number): tf.Variable[] {
    const first = this.config.numHiddenLayers - n;
    return [...this.variables.entries()]
      .filter(([name]) => {
        const m = /^encoder\.layer\.(\d+)\./.exec(name);
        return first <= 0 || (m !== null && Number(m[1]) >= first);
      })
      .map(([, v]) => v);
  }

  /** The weights in Hugging Face layout and names (for export as safetensors). */
  hfTensors(): Map<string, NamedTensor> {
    const out = new Map<string, NamedTensor>();
    for (const [name, v] of this.variables) {
      const values = v.dataSync() as Float32Array;
      if (isLinearWeight(name)) {
        const [rows, cols] = v.shape;
        out.set(name, { shape: [cols, rows], values: transpose2d({ shape: [rows, cols], values }) });
      } else {
        out.set(name, { shape: [...v.shape], values: Float32Array.from(values) });
      }
    }
    return out;
  }

  private dense(x: tf.Tensor2D, prefix: string): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.v(`${prefix}.weight`)), this.v(`${prefix}.bias`));
  }

  private layerNorm(x: tf.Tensor2D, prefix: string): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.layerNormEps)));
    return tf.add(tf.mul(normed, this.v(`${prefix}.weight`)), this.v(`${prefix}.bias`));
  }

  private activation(x: tf.Tensor2D): tf.Tensor2D {
    switch (this.config.hiddenAct) {
      case 'relu':
        return tf.relu(x);
      case 'gelu_new': {
        // tanh approximation (GPT-2 style), as Hugging Face's NewGELUActivation.
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
      }
      default:
        // Exact GELU, x·Φ(x) with erf, as BERT's `gelu` in Hugging Face.
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    }
  }

  /** One transformer layer over rows [batch·seq, hidden]. */
  private layer(x: tf.Tensor2D, i: number, maskBias: tf.Tensor, batch: number, seq: number): tf.Tensor2D {
    const h = this.config.hiddenSize;
    const heads = this.config.numAttentionHeads;
    const headDim = h / heads;
    const p = `encoder.layer.${i}.`;
    const split = (t: tf.Tensor2D, perm: number[]) => tf.transpose(tf.reshape(t, [batch, seq, heads, headDim]), perm);
    const q = split(this.dense(x, `${p}attention.self.query`), [0, 2, 1, 3]); // [b, heads, seq, d]
    const k = split(this.dense(x, `${p}attention.self.key`), [0, 2, 3, 1]); // [b, heads, d, seq]
    const v = split(this.dense(x, `${p}attention.self.value`), [0, 2, 1, 3]); // [b, heads, seq, d]
    const scores = tf.add(tf.mul(tf.matMul(q, k), 1 / Math.sqrt(headDim)), maskBias);
    const context = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [batch * seq, h]);
    const attended = this.layerNorm(
      tf.add(this.dense(context as tf.Tensor2D, `${p}attention.output.dense`), x),
      `${p}attention.output.LayerNorm`
    );
    const intermediate = this.activation(this.dense(attended, `${p}intermediate.dense`));
    return this.layerNorm(tf.add(this.dense(intermediate, `${p}output.dense`), attended), `${p}output.LayerNorm`);
  }

  /**
   * Token embeddings [batch, seq, hidden] of int32 `inputIds` and `attentionMask` ([batch, seq]).
   * Call inside `tf.tidy` (or `tf.variableGrads`) — intermediates are not disposed here.
   */
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D): tf.Tensor3D {
    const [batch, seq] = inputIds.shape;
    const x = this.forwardLayers(this.embed(inputIds), attentionMask, 0, this.config.numHiddenLayers);
    return tf.reshape(x, [batch, seq, this.config.hiddenSize]);
  }

  /** The embedding layer's output, rows [batch·seq, hidden] (the input of layer 0). */
  embed(inputIds: tf.Tensor2D): tf.Tensor2D {
    const c = this.config;
    const [batch, seq] = inputIds.shape;
    if (seq > c.maxPositionEmbeddings) {
      throw new EngineError(
        'bad_input',
        `sequence length ${seq} exceeds max_position_embeddings ${c.maxPositionEmbeddings}`
      );
    }
    const h = c.hiddenSize;
    const rows = batch * seq;
    const words = tf.gather(this.v('embeddings.word_embeddings.weight'), tf.reshape(inputIds, [rows]));
    const positions = tf.tile(tf.slice(this.v('embeddings.position_embeddings.weight'), [0, 0], [seq, h]), [batch, 1]);
    const tokenType = tf.slice(this.v('embeddings.token_type_embeddings.weight'), [0, 0], [1, h]);
    return this.layerNorm(tf.add(tf.add(words, positions), tokenType) as tf.Tensor2D, 'embeddings.LayerNorm');
  }

  /**
   * Transformer layers [from, to) over rows `x` [batch·seq, hidden]. Split from `forward` so a trainer of
   * the top layers can run the frozen lower ones outside its gradient tape (their activations are then
   * not kept for backprop).
   */
  forwardLayers(x: tf.Tensor2D, attentionMask: tf.Tensor2D, from: number, to: number): tf.Tensor2D {
    const [batch, seq] = attentionMask.shape;
    // Additive mask over keys: 0 where attended, a large negative number on padding.
    const maskBias = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), -1e9), [batch, 1, 1, seq]);
    let out = x;
    for (let i = from; i < to; i++) {
      // A tidy per layer frees its attention maps before the next layer runs (a 256-token batch of 32
      // holds ~100 MB of scores per layer); under a gradient tape the tape still keeps what backprop needs.
      const input = out;
      out = tf.tidy(() => this.layer(input, i, maskBias, batch, seq));
    }
    return out;
  }

  dispose(): void {
    this.variables.forEach(v => v.dispose());
  }
}
