import * as tf from '@tensorflow/tfjs';
import { assertFiniteRows, assertPositiveInt, checkFeatureRows, EngineError } from '../errors';
import { anchorLoss, cosineSiameseLoss, multipleNegativesRankingLoss, tripletLoss } from '../losses';
import { modelArtifacts, saveLayersModel } from '../models/io';
import { Rng } from './random';
import { LayersEmbedding, TrainableEmbedding } from './trainableEmbedding';

export type LossKind = 'triplet' | 'infonce' | 'cosine';

/** One answer: is `candidate` relevant to `query`? Both are row indices into the pool. */
export interface PairLabel {
  query: number;
  candidate: number;
  relevant: boolean;
}

export interface TrainerOptions {
  /** Default 'infonce' (multiple negatives ranking). */
  loss?: LossKind;
  /** Triplet margin (default 0.2) or cosine-siamese margin (default 0.5). */
  margin?: number;
  /** InfoNCE similarity scale = 1 / temperature (default 20). */
  scale?: number;
  /** Initial Adam learning rate (default 1e-3). */
  learningRate?: number;
  /**
   * Random pool items added to every batch as extra negatives (InfoNCE: extra candidate columns;
   * triplet: used for positives whose query has no explicit negative). Default 4.
   */
  randomNegatives?: number;
  /** Cap on training examples per epoch (randomly subsampled). Default 50 000. */
  maxExamplesPerEpoch?: number;
  /**
   * Weight of the anchor term that keeps the model near the one the trainer started from (its weights when
   * constructed: version 0, or the restored version of a resumed session; knowledge distillation from that
   * model): every step also embeds `anchorSamples` random pool rows and adds
   * anchorWeight · mean(1 − cos(f(x), f₀(x))), f₀(x) being the row's embedding by the starting model (computed
   * once per row). The labels move the items they name; the rest of the space stays where it was instead of
   * drifting with them. 0 = off (default).
   */
  anchorWeight?: number;
  /** Random pool rows per step for the anchor term. Default 64. */
  anchorSamples?: number;
  /**
   * Pool rows the anchor term draws from: a uniform random sample of at most this many (a reservoir over the
   * rows as they are added), whose starting embeddings are kept. Default 16 384 (16 MB at 256 dimensions).
   */
  anchorPoolRows?: number;
  /**
   * A new Adam optimizer (fresh moments, step count 0) at the start of every round, as Finetuner's Labeler
   * did. Off by default: one optimizer for the trainer's lifetime learns more from the same labels. The
   * label-efficiency benchmark's Finetuner baseline turns it on.
   */
  optimizerPerRound?: boolean;
  seed?: number;
}

export interface TrainRoundOptions {
  epochs?: number;
  batchSize?: number;
  /** Changes the (persistent) optimizer's learning rate from this round on. */
  learningRate?: number;
  onProgress?: (p: TrainProgress) => void;
  /** Polled between steps; returning true ends the round early (the steps done so far count). */
  shouldStop?: () => boolean;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
}

export interface TrainRoundResult {
  /** Mean loss of the last epoch (null when the round was skipped). */
  loss: number | null;
  steps: number;
  /** Incremented by every round that made at least one step; 0 = untrained. */
  modelVersion: number;
  /** Loss actually used (may differ from the configured one, see `note`). */
  lossUsed: LossKind | null;
  examples: number;
  /** Set when the round did nothing: why. */
  skipped?: string;
  /** Set when the round adapted to the labels (fallback loss, random negatives). */
  note?: string;
  stopped?: boolean;
}

/** `options` with its unset (undefined) fields taken from `defaults`. */
export function withTrainerDefaults(options: TrainerOptions = {}, defaults: TrainerOptions = {}): TrainerOptions {
  const set = Object.entries(options).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(set) };
}

/** The rows of one training step, see PairwiseTrainer.planBatch. */
interface BatchPlan {
  /** Distinct pool rows forwarded, by slot. */
  order: number[];
  /** Their values, row-major. */
  rows: Float32Array;
  /** The batch's items as slots. */
  idx: number[][];
  extra: number[];
  extraIdx: number[];
  /** Anchor reservoir slots, and their rows as slots of `order`. */
  anchors: number[];
  anchorIdx: number[];
}

interface QueryLabels {
  pos: Set<number>;
  neg: Set<number>;
}

/**
 * Trains one embedding model from pairwise relevance labels over a pool of featurized rows, keeping
 * ONE Adam optimizer (and its moments) for the trainer's lifetime unless `optimizerPerRound`. Every round trains on all labels
 * currently set; undone answers are simply left out of `setLabels`.
 */
export class PairwiseTrainer {
  /** The model being trained: a layers model (wrapped) or any TrainableEmbedding (e.g. a BERT encoder). */
  readonly net: TrainableEmbedding;
  private optimizer: tf.AdamOptimizer;
  private readonly opts: Required<Omit<TrainerOptions, 'margin'>> & { margin?: number };
  private readonly rng: Rng;
  private readonly rowSize: number;
  private readonly rowShape: number[];
  readonly outputDim: number;
  private pool = new Float32Array(0);
  private poolSize = 0;
  /** Embeddings of pool rows [0, embeddedRows) from the last embedPool passes (for topK). */
  private embeddings = new Float32Array(0);
  private embeddedRows = 0;
  private labels: PairLabel[] = [];
  /** The starting model's weights, kept only while the anchor term is on. */
  private initialWeights: tf.Tensor[] = [];
  /**
   * The anchor term's rows: slot i holds pool row anchorRowIds[i] and its embedding by the starting model
   * (anchorTargets). Rows [0, anchorSeen) have been offered to this reservoir, anchorCount slots are filled.
   */
  private anchorRowIds = new Int32Array(0);
  private anchorTargets = new Float32Array(0);
  private anchorCount = 0;
  private anchorSeen = 0;
  private readonly anchorRng: Rng;
  private version = 0;
  /**
   * False when the model started from a saved tuned version (a resumed dataset): embeddings known for new
   * rows (the frozen encoder's cache) are then not the starting model's, and rows are embedded instead.
   */
  private knownEmbeddingsAreStarting = true;
  private disposed = false;

  constructor(model: tf.LayersModel | TrainableEmbedding, options: TrainerOptions = {}) {
    this.net = model instanceof tf.LayersModel ? new LayersEmbedding(model) : model;
    this.rowSize = this.net.rowSize;
    this.rowShape = [...this.net.rowShape];
    this.outputDim = this.net.outputDim;
    this.opts = {
      loss: options.loss ?? 'infonce',
      margin: options.margin,
      scale: options.scale ?? 20,
      learningRate: options.learningRate ?? 1e-3,
      randomNegatives: options.randomNegatives ?? 4,
      maxExamplesPerEpoch: options.maxExamplesPerEpoch ?? 50000,
      anchorWeight: options.anchorWeight ?? 0,
      anchorSamples: options.anchorSamples ?? 64,
      anchorPoolRows: options.anchorPoolRows ?? 16384,
      optimizerPerRound: options.optimizerPerRound ?? false,
      seed: options.seed ?? 1
    };
    if (!(this.opts.anchorWeight >= 0) || !Number.isFinite(this.opts.anchorWeight)) {
      throw new EngineError('bad_config', `anchorWeight must be a number ≥ 0, got ${this.opts.anchorWeight}`);
    }
    assertPositiveInt(this.opts.anchorSamples, 'anchorSamples');
    assertPositiveInt(this.opts.anchorPoolRows, 'anchorPoolRows');
    if (!['triplet', 'infonce', 'cosine'].includes(this.opts.loss)) {
      throw new EngineError('bad_config', `unknown loss '${String(this.opts.loss)}' (triplet, infonce, cosine)`);
    }
    this.rng = new Rng(this.opts.seed);
    this.anchorRng = new Rng(this.opts.seed + 0x5eed);
    this.optimizer = tf.train.adam(this.opts.learningRate);
    if (this.trainableVariables().length === 0) {
      throw new EngineError('bad_config', 'the model has no trainable weights (all layers frozen?)');
    }
    if (this.opts.anchorWeight > 0) {
      this.initialWeights = this.net.snapshot();
    }
  }

  /** The layers model being trained; an error for other models (they have their own export, e.g. hfTensors). */
  get model(): tf.LayersModel {
    if (!(this.net instanceof LayersEmbedding)) {
      throw new EngineError('bad_config', 'this trainer trains a model that is not a TF.js layers model');
    }
    return this.net.model;
  }

  get modelVersion(): number {
    return this.version;
  }

  /** The model was loaded from a saved version: the frozen encoder's embeddings no longer describe it. */
  startsFromSavedVersion(): void {
    this.knownEmbeddingsAreStarting = false;
  }

  /** Rows appended with known embeddings (appendPoolEmbedded) take them as-is: the model is still the starting one. */
  get knownEmbeddingsAreCurrent(): boolean {
    return this.version === 0 && this.knownEmbeddingsAreStarting;
  }

  /** Changes the loss (and margin) for later rounds; the optimizer and its moments are kept. */
  setOptions(options: Pick<TrainerOptions, 'loss' | 'margin'>): void {
    if (options.loss !== undefined) {
      if (!['triplet', 'infonce', 'cosine'].includes(options.loss)) {
        throw new EngineError('bad_config', `unknown loss '${String(options.loss)}' (triplet, infonce, cosine)`);
      }
      this.opts.loss = options.loss;
    }
    if (options.margin !== undefined) {
      this.opts.margin = options.margin;
    }
  }

  /** Values per input row (e.g. 784 for 28×28×1 images). */
  get inputRowSize(): number {
    return this.rowSize;
  }

  get size(): number {
    return this.poolSize;
  }

  /** Steps the (single, persistent) optimizer has taken over all rounds. */
  get optimizerSteps(): number {
    return this.optimizer.iterations;
  }

  get learningRate(): number {
    return (this.optimizer as unknown as { learningRate: number }).learningRate;
  }

  /** Sets the pool of featurized inputs (row-major, `inputRowSize` values per row). Rejects NaN/inf naming the row. */
  setPool(rows: Float32Array): void {
    this.pool = this.checkRows(rows, 'pool');
    this.poolSize = rows.length / this.rowSize;
    this.anchorSeen = 0;
    this.anchorCount = 0;
    this.labels = this.labels.filter(l => l.query < this.poolSize && l.candidate < this.poolSize);
  }

  /**
   * Appends rows whose embeddings by the starting model are known (`vectors`, n × outputDim; e.g. a frozen
   * encoder's cached embeddings): they seed the anchor term's targets, and while the model is still the
   * starting one (version 0) they are the rows' embeddings, as `appendPool` + `embedPool` without the
   * forward pass. After training, or when the model started from a saved version, the new rows still need
   * `embedPool({start})` with the current model (`knownEmbeddingsAreCurrent`). Returns the first new row.
   */
  appendPoolEmbedded(rows: Float32Array, vectors: Float32Array): number {
    this.assertLive();
    const n = rows.length / this.rowSize;
    if (vectors.length !== n * this.outputDim) {
      throw new EngineError(
        'shape_mismatch',
        `${vectors.length} embedding values do not match ${n} rows of ${this.outputDim} dimensions`
      );
    }
    assertFiniteRows(vectors, this.outputDim, 'embeddings');
    const start = this.appendPool(rows);
    if (!this.knownEmbeddingsAreStarting) {
      return start; // embedPool({start}) embeds them, and seeds the anchor's targets, with the starting model
    }
    if (this.version === 0 && this.embeddedRows === start) {
      const kept = new Float32Array((start + n) * this.outputDim);
      kept.set(this.embeddings.subarray(0, start * this.outputDim));
      kept.set(vectors, start * this.outputDim);
      this.embeddings = kept;
      this.embeddedRows = start + n;
    }
    if (start === this.anchorSeen && this.initialWeights.length > 0) {
      this.admitAnchorRows(n).forEach((slot, i) => {
        if (slot >= 0) {
          this.anchorTargets.set(vectors.subarray(i * this.outputDim, (i + 1) * this.outputDim), slot * this.outputDim);
        }
      });
    }
    return start;
  }

  /** Appends rows to the pool; returns the index of the first new row. */
  appendPool(rows: Float32Array): number {
    this.checkRows(rows, 'appended pool');
    const start = this.poolSize;
    const next = new Float32Array(this.pool.length + rows.length);
    next.set(this.pool);
    next.set(rows, this.pool.length);
    this.pool = next;
    this.poolSize = next.length / this.rowSize;
    return start;
  }

  /** Replaces the labels with all current (not undone) answers. Validates indices. */
  setLabels(labels: readonly PairLabel[]): void {
    labels.forEach((l, i) => {
      for (const key of ['query', 'candidate'] as const) {
        const v = l[key];
        if (!Number.isInteger(v) || v < 0 || v >= this.poolSize) {
          throw new EngineError(
            'bad_input',
            `label ${i}: ${key} ${String(v)} is not a row of the pool (size ${this.poolSize})`,
            {
              row: i
            }
          );
        }
      }
      if (typeof l.relevant !== 'boolean') {
        throw new EngineError('bad_input', `label ${i}: relevant must be a boolean`, { row: i });
      }
    });
    this.labels = labels.map(l => ({ query: l.query, candidate: l.candidate, relevant: l.relevant }));
  }

  get labelCount(): number {
    return this.labels.length;
  }

  /** Trains on all current labels; see TrainRoundResult for skipped rounds and fallbacks. */
  async trainRound(options: TrainRoundOptions = {}): Promise<TrainRoundResult> {
    this.assertLive();
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 64;
    assertPositiveInt(epochs, 'epochs');
    assertPositiveInt(batchSize, 'batchSize');
    if (options.learningRate !== undefined) {
      if (!(options.learningRate > 0) || !Number.isFinite(options.learningRate)) {
        throw new EngineError('bad_config', `learningRate must be a positive number, got ${options.learningRate}`);
      }
      (this.optimizer as unknown as { learningRate: number }).learningRate = options.learningRate;
    }
    if (this.opts.optimizerPerRound) {
      const learningRate = this.learningRate;
      this.optimizer.dispose();
      this.optimizer = tf.train.adam(learningRate);
    }
    const byQuery = this.groupLabels();
    let pos = 0;
    let neg = 0;
    for (const q of byQuery.values()) {
      pos += q.pos.size;
      neg += q.neg.size;
    }
    const base = { modelVersion: this.version, steps: 0, loss: null, examples: 0 };
    if (pos + neg === 0) {
      return { ...base, lossUsed: null, skipped: 'no labels yet' };
    }
    let loss = this.opts.loss;
    let note: string | undefined;
    if (loss !== 'cosine' && pos === 0) {
      loss = 'cosine';
      note = `no relevant answers yet: trained with the cosine siamese loss on ${neg} irrelevant pairs instead of ${this.opts.loss}`;
    }
    if (loss === 'triplet' && neg === 0) {
      if (this.opts.randomNegatives <= 0 || this.poolSize < 3) {
        return {
          ...base,
          lossUsed: null,
          skipped: 'triplet loss needs irrelevant answers or random negatives (none available)'
        };
      }
      note = 'no irrelevant answers yet: triplets use random pool items as negatives';
    }

    const stepFns = {
      triplet: () => this.tripletBatches(byQuery),
      infonce: () => this.pairBatches(byQuery, true),
      cosine: () => this.pairBatches(byQuery, false)
    };
    const vars = this.trainableVariables();
    if (this.opts.anchorWeight > 0) {
      this.ensureAnchorTargets();
    }
    let steps = 0;
    let lastEpochLoss = 0;
    let examples = 0;
    let stopped = false;
    for (let epoch = 0; epoch < epochs && !stopped; epoch++) {
      const items = stepFns[loss]();
      examples = items.length;
      const batches = Math.ceil(items.length / batchSize);
      let sum = 0;
      let count = 0;
      for (let b = 0; b < batches; b++) {
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
        const batch = items.slice(b * batchSize, (b + 1) * batchSize);
        const plan = this.planBatch(loss, batch, byQuery);
        const prepared = this.net.prepare?.(plan.rows, plan.order.length) ?? [];
        let cost: tf.Scalar | null;
        try {
          cost = this.optimizer.minimize(() => this.batchLoss(loss, batch, byQuery, plan, prepared), true, vars);
        } finally {
          prepared.forEach(t => t.dispose());
        }
        const value = cost ? (await cost.data())[0] : NaN;
        cost?.dispose();
        if (!Number.isFinite(value)) {
          throw new EngineError('bad_data', `training diverged: loss is ${value} at epoch ${epoch + 1}, step ${b + 1}`);
        }
        sum += value;
        count++;
        steps++;
        options.onProgress?.({ epoch: epoch + 1, epochs, step: b + 1, stepsPerEpoch: batches, loss: value });
        await new Promise<void>(resolve => setImmediate(resolve));
      }
      if (count > 0) {
        lastEpochLoss = sum / count;
      }
    }
    if (steps > 0) {
      this.version++;
    }
    return {
      loss: steps > 0 ? lastEpochLoss : null,
      steps,
      modelVersion: this.version,
      lossUsed: loss,
      examples,
      ...(note ? { note } : {}),
      ...(stopped ? { stopped } : {})
    };
  }

  /** Embeds rows (row-major, `inputRowSize` values each) in batches; returns n × outputDim values. */
  embed(rows: Float32Array, batchSize = this.embedBatchSize): Float32Array {
    this.assertLive();
    this.checkRows(rows, 'input');
    assertPositiveInt(batchSize, 'batchSize');
    return this.embedChecked(rows, batchSize);
  }

  /**
   * Re-embeds pool rows [start, end) with the current model, in chunks, yielding to the event loop
   * between batches; `onChunk` receives each chunk as it is ready (for incremental index updates).
   */
  async embedPool(
    opts: { start?: number; end?: number; batchSize?: number; chunkRows?: number } = {},
    onChunk?: (start: number, vectors: Float32Array) => void
  ): Promise<Float32Array> {
    this.assertLive();
    const start = opts.start ?? 0;
    const end = Math.min(opts.end ?? this.poolSize, this.poolSize);
    const batchSize = opts.batchSize ?? this.embedBatchSize;
    const chunkRows = opts.chunkRows ?? 4096;
    if (!(Number.isInteger(start) && start >= 0 && start <= end)) {
      throw new EngineError('bad_input', `embedPool: bad range [${start}, ${end}) for a pool of ${this.poolSize}`);
    }
    const out = new Float32Array((end - start) * this.outputDim);
    const keep = start === 0 || start === this.embeddedRows;
    for (let s = start; s < end; s += chunkRows) {
      const e = Math.min(end, s + chunkRows);
      const vectors = this.embedChecked(this.pool.subarray(s * this.rowSize, e * this.rowSize), batchSize);
      out.set(vectors, (s - start) * this.outputDim);
      if (this.version === 0 && s === this.anchorSeen && this.initialWeights.length > 0) {
        // Still the starting model: these embeddings are the anchor's targets, no extra pass needed.
        this.admitAnchorRows(e - s).forEach((slot, i) => {
          if (slot >= 0) {
            this.anchorTargets.set(
              vectors.subarray(i * this.outputDim, (i + 1) * this.outputDim),
              slot * this.outputDim
            );
          }
        });
      }
      onChunk?.(s, vectors);
      await new Promise<void>(resolve => setImmediate(resolve));
    }
    if (keep) {
      const kept = new Float32Array(end * this.outputDim);
      if (start > 0) {
        kept.set(this.embeddings.subarray(0, start * this.outputDim));
      }
      kept.set(out, start * this.outputDim);
      this.embeddings = kept;
      this.embeddedRows = end;
    }
    return out;
  }

  /**
   * Exact top-`k` neighbours (cosine: the embeddings are L2-normalised; self excluded) of pool `rows` among
   * the rows embedded by the last embedPool passes, as one batched matMul + topk on the backend — far
   * cheaper than the main thread's JS scan. Row-major q × k results; -1 pads when the pool is smaller.
   */
  topK(rows: readonly number[], k: number): { indices: Int32Array; scores: Float32Array } {
    this.assertLive();
    const n = this.embeddedRows;
    const d = this.outputDim;
    const q = rows.length;
    const indices = new Int32Array(q * k).fill(-1);
    const scores = new Float32Array(q * k);
    const kk = Math.min(k + 1, n);
    if (q === 0 || kk <= 0) {
      return { indices, scores };
    }
    const queries = new Float32Array(q * d);
    rows.forEach((row, i) => {
      if (!(Number.isInteger(row) && row >= 0 && row < n)) {
        throw new EngineError('bad_input', `topK: row ${row} is not an embedded pool row (0..${n - 1})`);
      }
      queries.set(this.embeddings.subarray(row * d, (row + 1) * d), i * d);
    });
    const v = new Float32Array(q * kk);
    const ix = new Int32Array(q * kk);
    // The pool transposed once (d × n), so every product is a plain [group, d] · [d, n].
    const pool = tf.tidy(() => tf.transpose(tf.tensor2d(this.embeddings.subarray(0, n * d), [n, d])));
    // Query groups small enough that the group × n similarity block stays ≈ 64 MB.
    const group = Math.max(1, Math.floor(16e6 / n));
    try {
      for (let g = 0; g < q; g += group) {
        const size = Math.min(group, q - g);
        const [values, found] = tf.tidy(() => {
          const block = tf.tensor2d(queries.subarray(g * d, (g + size) * d), [size, d]);
          const top = tf.topk(tf.matMul(block, pool), kk, true);
          return [top.values, top.indices];
        });
        v.set(values.dataSync() as Float32Array, g * kk);
        ix.set(found.dataSync() as Int32Array, g * kk);
        values.dispose();
        found.dispose();
      }
    } finally {
      pool.dispose();
    }
    rows.forEach((row, i) => {
      let j = 0;
      for (let t = 0; t < kk && j < k; t++) {
        const at = ix[i * kk + t];
        if (at !== row) {
          indices[i * k + j] = at;
          scores[i * k + j] = v[i * kk + t];
          j++;
        }
      }
    });
    return { indices, scores };
  }

  /** Writes model.json + weights.bin into `dir`. */
  async save(dir: string): Promise<void> {
    this.assertLive();
    await saveLayersModel(this.model, dir);
  }

  /** The model in TF.js layers format, in memory (topology + one weights buffer). */
  async weights(): Promise<tf.io.ModelArtifacts> {
    this.assertLive();
    return modelArtifacts(this.model);
  }

  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.initialWeights.forEach(w => w.dispose());
      this.initialWeights = [];
      this.optimizer.dispose();
      this.net.dispose();
    }
  }

  // ---- internals ----

  private assertLive(): void {
    if (this.disposed) {
      throw new EngineError('not_ready', 'the trainer has been disposed');
    }
  }

  private checkRows(rows: Float32Array, what: string): Float32Array {
    return checkFeatureRows(rows, this.rowSize, this.rowShape, what);
  }

  private embedChecked(rows: Float32Array, batchSize: number): Float32Array {
    const n = rows.length / this.rowSize;
    const out = new Float32Array(n * this.outputDim);
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const y = tf.tidy(() => this.net.apply(rows.subarray(s * this.rowSize, e * this.rowSize), e - s, false));
      out.set(y.dataSync() as Float32Array, s * this.outputDim);
      y.dispose();
    }
    return out;
  }

  /**
   * Offers the next `n` pool rows (from `anchorSeen` on) to the anchor's reservoir (Algorithm R): the first
   * `anchorPoolRows` rows all get a slot, each later one replaces a random slot with probability cap / seen.
   * Returns each row's slot, or -1; a slot taken twice in one call ends with the later row.
   */
  private admitAnchorRows(n: number): Int32Array {
    const cap = this.opts.anchorPoolRows;
    const size = Math.min(cap, this.anchorCount + n);
    if (size > this.anchorRowIds.length) {
      const grown = Math.min(cap, Math.max(size, 2 * this.anchorRowIds.length));
      const ids = new Int32Array(grown);
      ids.set(this.anchorRowIds.subarray(0, this.anchorCount));
      const targets = new Float32Array(grown * this.outputDim);
      targets.set(this.anchorTargets.subarray(0, this.anchorCount * this.outputDim));
      this.anchorRowIds = ids;
      this.anchorTargets = targets;
    }
    const slots = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const row = this.anchorSeen++;
      const slot = this.anchorCount < cap ? this.anchorCount++ : this.anchorRng.int(this.anchorSeen);
      if (slot < cap) {
        this.anchorRowIds[slot] = row;
        slots[i] = slot;
      }
    }
    return slots;
  }

  /**
   * Offers the pool rows not offered yet to the anchor's reservoir and embeds the admitted ones with the
   * starting model (its weights swapped in for that when the model has trained since).
   */
  private ensureAnchorTargets(): void {
    if (this.anchorSeen >= this.poolSize) {
      return;
    }
    const first = this.anchorSeen;
    const slots = this.admitAnchorRows(this.poolSize - first);
    const admitted: number[] = [];
    slots.forEach((slot, i) => {
      if (slot >= 0) {
        admitted.push(i);
      }
    });
    const rows = new Float32Array(admitted.length * this.rowSize);
    admitted.forEach((i, k) =>
      rows.set(this.pool.subarray((first + i) * this.rowSize, (first + i + 1) * this.rowSize), k * this.rowSize)
    );
    let vectors: Float32Array;
    if (this.version === 0) {
      vectors = this.embedChecked(rows, this.embedBatchSize);
    } else {
      const current = this.net.snapshot();
      try {
        this.net.restore(this.initialWeights);
        vectors = this.embedChecked(rows, this.embedBatchSize);
      } finally {
        this.net.restore(current);
        current.forEach(w => w.dispose());
      }
    }
    admitted.forEach((i, k) =>
      this.anchorTargets.set(vectors.subarray(k * this.outputDim, (k + 1) * this.outputDim), slots[i] * this.outputDim)
    );
  }

  private get embedBatchSize(): number {
    return this.net.embedBatchSize ?? 256;
  }

  private trainableVariables(): tf.Variable[] {
    return this.net.trainableVariables();
  }

  private groupLabels(): Map<number, QueryLabels> {
    const byQuery = new Map<number, QueryLabels>();
    for (const l of this.labels) {
      if (l.query === l.candidate) {
        continue;
      }
      let q = byQuery.get(l.query);
      if (!q) {
        q = { pos: new Set(), neg: new Set() };
        byQuery.set(l.query, q);
      }
      // the latest answer about a pair wins
      (l.relevant ? q.neg : q.pos).delete(l.candidate);
      (l.relevant ? q.pos : q.neg).add(l.candidate);
    }
    return byQuery;
  }

  private randomNegative(query: number, q: QueryLabels): number {
    for (let tries = 0; tries < 20; tries++) {
      const c = this.rng.int(this.poolSize);
      if (c !== query && !q.pos.has(c)) {
        return c;
      }
    }
    return (query + 1) % this.poolSize;
  }

  private cap<T>(items: T[]): T[] {
    this.rng.shuffle(items);
    return items.length > this.opts.maxExamplesPerEpoch ? items.slice(0, this.opts.maxExamplesPerEpoch) : items;
  }

  /** (query, positive, negative) triplets; queries without explicit negatives get a random one per epoch. */
  private tripletBatches(byQuery: Map<number, QueryLabels>): number[][] {
    const out: number[][] = [];
    for (const [query, q] of byQuery) {
      const negs = [...q.neg];
      for (const p of q.pos) {
        if (negs.length > 0) {
          for (const n of negs) {
            out.push([query, p, n]);
          }
        } else if (this.opts.randomNegatives > 0) {
          out.push([query, p, this.randomNegative(query, q)]);
        }
      }
    }
    return this.cap(out);
  }

  /** (query, candidate, relevant) pairs: for InfoNCE only the relevant ones (negatives join as hard negatives). */
  private pairBatches(byQuery: Map<number, QueryLabels>, positivesOnly: boolean): number[][] {
    const out: number[][] = [];
    for (const [query, q] of byQuery) {
      for (const p of q.pos) {
        out.push([query, p, 1]);
      }
      if (!positivesOnly) {
        for (const n of q.neg) {
          out.push([query, n, 0]);
        }
      }
    }
    return this.cap(out);
  }

  /**
   * A step's rows: the batch's distinct items (each forwarded once, then gathered), its InfoNCE extra
   * negatives and the anchor term's rows; drawn before the optimizer's tape starts (see TrainableEmbedding.prepare).
   */
  private planBatch(loss: LossKind, batch: number[][], byQuery: Map<number, QueryLabels>): BatchPlan {
    // Hard / random negatives for InfoNCE: one explicit negative per anchor when there is one.
    const extra: number[] = [];
    if (loss === 'infonce') {
      for (const [query] of batch) {
        const q = byQuery.get(query) as QueryLabels;
        if (q.neg.size > 0) {
          const negs = [...q.neg];
          extra.push(negs[this.rng.int(negs.length)]);
        }
      }
      const r = Math.min(this.opts.randomNegatives, Math.max(0, this.poolSize - 2));
      for (let i = 0; i < r; i++) {
        extra.push(this.rng.int(this.poolSize));
      }
    }
    // Forward every distinct item of the batch once, then gather.
    const slot = new Map<number, number>();
    const order: number[] = [];
    const use = (item: number) => {
      let s = slot.get(item);
      if (s === undefined) {
        s = order.length;
        slot.set(item, s);
        order.push(item);
      }
      return s;
    };
    const cols = batch[0].length;
    const idx = batch.map(row => row.slice(0, loss === 'cosine' ? 2 : cols).map(use));
    const extraIdx = extra.map(use);
    // Anchor rows, as reservoir slots.
    const anchors: number[] = [];
    if (this.opts.anchorWeight > 0 && this.anchorCount > 0) {
      for (let i = 0; i < this.opts.anchorSamples; i++) {
        anchors.push(this.rng.int(this.anchorCount));
      }
    }
    const anchorIdx = anchors.map(slot => use(this.anchorRowIds[slot]));
    const x = new Float32Array(order.length * this.rowSize);
    order.forEach((item, i) =>
      x.set(this.pool.subarray(item * this.rowSize, (item + 1) * this.rowSize), i * this.rowSize)
    );
    return { order, rows: x, idx, extra, extraIdx, anchors, anchorIdx };
  }

  private batchLoss(
    loss: LossKind,
    batch: number[][],
    byQuery: Map<number, QueryLabels>,
    plan: BatchPlan,
    prepared: tf.Tensor[]
  ): tf.Scalar {
    const { idx, extra, extraIdx, anchors, anchorIdx } = plan;
    const emb = this.net.apply(plan.rows, plan.order.length, true, prepared);
    const main = this.pairLoss(loss, batch, byQuery, emb, idx, extra, extraIdx);
    if (anchors.length === 0) {
      return main;
    }
    const targets = new Float32Array(anchors.length * this.outputDim);
    anchors.forEach((slot, i) =>
      targets.set(this.anchorTargets.subarray(slot * this.outputDim, (slot + 1) * this.outputDim), i * this.outputDim)
    );
    const drift = anchorLoss(
      tf.gather(emb, tf.tensor1d(anchorIdx, 'int32')) as tf.Tensor2D,
      tf.tensor2d(targets, [anchors.length, this.outputDim])
    );
    return tf.add(main, tf.mul(drift, this.opts.anchorWeight)) as tf.Scalar;
  }

  /** The configured pair loss of a batch whose distinct items were embedded once (`emb`, rows by slot). */
  private pairLoss(
    loss: LossKind,
    batch: number[][],
    byQuery: Map<number, QueryLabels>,
    emb: tf.Tensor2D,
    idx: number[][],
    extra: number[],
    extraIdx: number[]
  ): tf.Scalar {
    const column = (c: number) =>
      tf.gather(
        emb,
        tf.tensor1d(
          idx.map(r => r[c]),
          'int32'
        )
      ) as tf.Tensor2D;
    const margin = this.opts.margin;
    if (loss === 'triplet') {
      return tripletLoss(column(0), column(1), column(2), margin ?? 0.2);
    }
    if (loss === 'cosine') {
      return cosineSiameseLoss(
        column(0),
        column(1),
        tf.tensor1d(
          batch.map(r => r[2]),
          'float32'
        ),
        margin ?? 0.5
      );
    }
    // InfoNCE: mask candidates that are known positives of the anchor's query (or the query itself).
    const candidates = [...batch.map(r => r[1]), ...extra];
    const mask = new Float32Array(batch.length * candidates.length);
    batch.forEach(([query], i) => {
      const q = byQuery.get(query) as QueryLabels;
      candidates.forEach((c, j) => {
        mask[i * candidates.length + j] = j === i || !(q.pos.has(c) || c === query) ? 1 : 0;
      });
    });
    const hard = extraIdx.length > 0 ? (tf.gather(emb, tf.tensor1d(extraIdx, 'int32')) as tf.Tensor2D) : undefined;
    return multipleNegativesRankingLoss(column(0), column(1), {
      hardNegatives: hard,
      scale: this.opts.scale,
      mask: tf.tensor2d(mask, [batch.length, candidates.length])
    });
  }
}
