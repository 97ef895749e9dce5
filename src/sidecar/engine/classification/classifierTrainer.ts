import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt, checkFeatureRows, EngineError } from '../errors';
import { anchorLoss, multipleNegativesRankingLoss } from '../losses';
import { inputSize, outputSize } from '../models/encoders';
import { modelArtifacts } from '../models/io';
import { Rng } from '../training/random';

/**
 * A human class label of one pool row: `classIndex` (single-label) or `classIndices` (multi-label; may be
 * empty: "none of the classes applies"). Machine labels (autoAccept.ts) carry `source: 'machine'` and are
 * refused here: only labels a human gave or confirmed train the model.
 */
export type ClassLabel =
  | { row: number; classIndex: number; source?: 'human' }
  | { row: number; classIndices: readonly number[]; source?: 'human' };

/**
 * How encoder and head learn from the labels.
 * - `joint`: every step minimises head cross-entropy + contrastiveWeight · class-aware InfoNCE over encoder
 *   and head together.
 * - `two-phase` (SetFit): contrastive steps move the encoder only, then the head is fitted on the frozen
 *   embeddings of the labelled rows.
 * The default is decided by bench/classification/agNewsFewShot.ts (docs/classification.md).
 */
export type ClassifierSchedule = 'joint' | 'two-phase';

export interface ClassifierOptions {
  numClasses: number;
  multiLabel?: boolean;
  schedule?: ClassifierSchedule;
  /** Weight of the contrastive term in `joint` steps (default 1); 0 trains the head alone through the encoder. */
  contrastiveWeight?: number;
  /** InfoNCE similarity scale = 1 / temperature (default 20, as sentence-transformers). */
  scale?: number;
  /** Encoder Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Head Adam learning rate (default 1e-2: the head is small and starts from class prototypes). */
  headLearningRate?: number;
  /**
   * Head steps per round in `two-phase` on the frozen embeddings, from the class prototypes. Default 0: the
   * head is the nearest-centroid (prototype) softmax, which beat a fitted head at 40 AG News labels
   * (docs/classification.md); fitting pays off only with more labels per class.
   */
  headSteps?: number;
  /** Weight of ‖kernel − prototypes‖², keeping the head near nearest-centroid with few labels. Default 1e-2. */
  headRidge?: number;
  /** Scale of the prototype initialisation: a class's weights start at prototypeScale · mean embedding. Default 10. */
  prototypeScale?: number;
  /**
   * Pseudo-labels per class of the uniform prior the predictions are shrunk to (default 1), so a few labels
   * cannot produce confident predictions and never-labelled classes get exactly the prior; see `priorMix`.
   */
  priorStrength?: number;
  /** Weight of the drift term keeping unlabelled pool rows near the starting encoder (as text-mlp's trainer). Default 1. */
  anchorWeight?: number;
  /** Pool rows per step for the drift term. Default 64. */
  anchorSamples?: number;
  /** Pool rows sampled (once, at the first round) as the drift term's reference. Default 4096. */
  anchorPoolRows?: number;
  seed?: number;
}

export interface ClassifierRoundOptions {
  /** Encoder steps this round (each a batch of labelled rows). Default 30; 0 fits the head alone (frozen encoder). */
  steps?: number;
  /** Labelled rows per step (default 64). */
  batchSize?: number;
  shouldStop?: () => boolean;
}

export interface ClassifierRoundResult {
  /** +1 for every round that had labels, even with 0 steps: the head is rebuilt from the labels each round. */
  modelVersion: number;
  steps: number;
  /** Mean loss of the round's last encoder steps (null when skipped). */
  loss: number | null;
  skipped?: string;
  stopped?: boolean;
}

/**
 * The head in a plain layout, enough for numpy to rebuild `predict_proba` from the encoder's output e:
 *   u = e / ‖e‖;  z = u · kernel + bias    (kernel: dim rows of numClasses values)
 *   single-label: q = softmax(z) over the classes with `labelled[c]`, 0 elsewhere;  p = (1 − mix[0]) · q + mix[0] / C
 *   multi-label:  p_c = (1 − mix[c]) · σ(z_c) + mix[c] · 0.5
 */
export interface ClassifierHeadExport {
  format: 'tunelab-classifier-head/1';
  multiLabel: boolean;
  numClasses: number;
  dim: number;
  kernel: number[][];
  bias: number[];
  labelled: boolean[];
  /** Weight of the prior per class (single-label: the same value for every class). */
  mix: number[];
  modelVersion: number;
}

const EPS = 1e-12;

function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), EPS))) as tf.Tensor2D;
}

interface Labelled {
  row: number;
  classes: number[];
}

/**
 * Few-shot classifier over a trainable encoder (SetFit-style): class-aware contrastive tuning of the
 * encoder plus a linear softmax (single-label) or sigmoid (multi-label) head on the L2-normalised embeddings.
 * Like PairwiseTrainer it owns a pool of featurized rows; labels name pool rows.
 */
export class ClassifierTrainer {
  readonly model: tf.LayersModel;
  readonly numClasses: number;
  readonly multiLabel: boolean;
  readonly outputDim: number;
  private readonly opts: Required<Omit<ClassifierOptions, 'numClasses' | 'multiLabel'>>;
  private readonly rowSize: number;
  private readonly rowShape: number[];
  private readonly rng: Rng;
  private readonly kernel: tf.Variable;
  private readonly bias: tf.Variable;
  private readonly encoderOptimizer: tf.AdamOptimizer;
  private headOptimizer: tf.AdamOptimizer;
  /** The head's nearest-centroid start of this round (the ridge pulls the kernel towards it). */
  private prototypes: tf.Tensor2D | null = null;
  private pool = new Float32Array(0);
  private poolSize = 0;
  private labels: Labelled[] = [];
  /** Classes whose head weights have been initialised from their prototype (and trained since). */
  private readonly seen: boolean[];
  private anchorRows: number[] = [];
  private anchorTargets: tf.Tensor2D | null = null;
  private version = 0;
  private disposed = false;

  constructor(model: tf.LayersModel, options: ClassifierOptions) {
    assertPositiveInt(options.numClasses, 'numClasses');
    this.multiLabel = options.multiLabel ?? false;
    if (!this.multiLabel && options.numClasses < 2) {
      throw new EngineError(
        'bad_config',
        `single-label classification needs at least 2 classes, got ${options.numClasses}`
      );
    }
    this.model = model;
    this.numClasses = options.numClasses;
    const { size, shape } = inputSize(model);
    this.rowSize = size;
    this.rowShape = shape;
    this.outputDim = outputSize(model);
    this.opts = {
      schedule: options.schedule ?? 'two-phase',
      contrastiveWeight: options.contrastiveWeight ?? 1,
      scale: options.scale ?? 20,
      learningRate: options.learningRate ?? 1e-3,
      headLearningRate: options.headLearningRate ?? 1e-2,
      headSteps: options.headSteps ?? 0,
      prototypeScale: options.prototypeScale ?? 10,
      headRidge: options.headRidge ?? 1e-2,
      priorStrength: options.priorStrength ?? 1,
      anchorWeight: options.anchorWeight ?? 1,
      anchorSamples: options.anchorSamples ?? 64,
      anchorPoolRows: options.anchorPoolRows ?? 4096,
      seed: options.seed ?? 1
    };
    if (this.opts.schedule !== 'joint' && this.opts.schedule !== 'two-phase') {
      throw new EngineError('bad_config', `unknown schedule '${String(this.opts.schedule)}' (joint, two-phase)`);
    }
    for (const key of ['contrastiveWeight', 'priorStrength', 'anchorWeight', 'headRidge'] as const) {
      const v = this.opts[key];
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new EngineError('bad_config', `${key} must be a number ≥ 0, got ${v}`);
      }
    }
    for (const key of ['scale', 'learningRate', 'headLearningRate', 'prototypeScale'] as const) {
      const v = this.opts[key];
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new EngineError('bad_config', `${key} must be a positive number, got ${v}`);
      }
    }
    if (!Number.isInteger(this.opts.headSteps) || this.opts.headSteps < 0) {
      throw new EngineError('bad_config', `headSteps must be an integer ≥ 0, got ${String(this.opts.headSteps)}`);
    }
    assertPositiveInt(this.opts.anchorSamples, 'anchorSamples');
    assertPositiveInt(this.opts.anchorPoolRows, 'anchorPoolRows');
    this.rng = new Rng(this.opts.seed);
    this.kernel = tf.variable(tf.zeros([this.outputDim, this.numClasses]), true, undefined, 'float32');
    this.bias = tf.variable(tf.zeros([this.numClasses]), true, undefined, 'float32');
    this.seen = new Array<boolean>(this.numClasses).fill(false);
    this.encoderOptimizer = tf.train.adam(this.opts.learningRate);
    this.headOptimizer = tf.train.adam(this.opts.headLearningRate);
  }

  get modelVersion(): number {
    return this.version;
  }

  get size(): number {
    return this.poolSize;
  }

  get inputRowSize(): number {
    return this.rowSize;
  }

  get labelCount(): number {
    return this.labels.length;
  }

  /**
   * Sets the pool of featurized rows (row-major, `inputRowSize` values per row). Labels on rows past the new
   * end are dropped; the drift term's reference rows are drawn again at the next round, from this encoder.
   */
  setPool(rows: Float32Array): void {
    this.assertLive();
    this.pool = this.checkRows(rows, 'pool');
    this.poolSize = rows.length / this.rowSize;
    this.labels = this.labels.filter(l => l.row < this.poolSize);
    this.anchorTargets?.dispose();
    this.anchorTargets = null;
    this.anchorRows = [];
  }

  /** Appends rows to the pool (items added mid-session); returns the index of the first new row. */
  appendPool(rows: Float32Array): number {
    this.assertLive();
    this.checkRows(rows, 'appended pool');
    const start = this.poolSize;
    const next = new Float32Array(this.pool.length + rows.length);
    next.set(this.pool);
    next.set(rows, this.pool.length);
    this.pool = next;
    this.poolSize = next.length / this.rowSize;
    return start;
  }

  /**
   * Replaces the labels with all current human labels (undone answers simply left out). The latest label of
   * a row wins. Throws on rows outside the pool, class indices outside [0, numClasses), the wrong shape for
   * the mode, and machine labels.
   */
  setLabels(labels: readonly ClassLabel[]): void {
    this.assertLive();
    const byRow = new Map<number, number[]>();
    labels.forEach((l, i) => {
      const source = (l as { source?: unknown }).source;
      if (source !== undefined && source !== 'human') {
        throw new EngineError(
          'bad_input',
          `label ${i} (row ${l.row}) is a ${String(source)} label: only human or human-confirmed labels train the model`,
          { row: i }
        );
      }
      if (!Number.isInteger(l.row) || l.row < 0 || l.row >= this.poolSize) {
        throw new EngineError(
          'bad_input',
          `label ${i}: row ${String(l.row)} is not a row of the pool (size ${this.poolSize})`,
          {
            row: i
          }
        );
      }
      let classes: number[];
      if ('classIndices' in l) {
        if (!this.multiLabel) {
          throw new EngineError(
            'bad_input',
            `label ${i}: classIndices given, but the classifier is single-label (use classIndex)`,
            {
              row: i
            }
          );
        }
        classes = [...new Set(l.classIndices)];
      } else {
        if (this.multiLabel) {
          throw new EngineError(
            'bad_input',
            `label ${i}: classIndex given, but the classifier is multi-label (use classIndices)`,
            {
              row: i
            }
          );
        }
        classes = [l.classIndex];
      }
      for (const c of classes) {
        if (!Number.isInteger(c) || c < 0 || c >= this.numClasses) {
          throw new EngineError('bad_input', `label ${i}: class ${String(c)} is not one of 0..${this.numClasses - 1}`, {
            row: i
          });
        }
      }
      byRow.set(
        l.row,
        classes.sort((a, b) => a - b)
      );
    });
    this.labels = [...byRow].map(([row, classes]) => ({ row, classes }));
  }

  /** Labelled rows per class (single-label) or positive rows per class (multi-label). */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const l of this.labels) {
      l.classes.forEach(c => counts[c]++);
    }
    return counts;
  }

  /**
   * The prior's weight per class. Single-label: λ = αC / (αC + n) for every class (n labelled rows, α =
   * priorStrength pseudo-labels per class), so with one label per class the top probability is at most
   * 1 − λ(1 − 1/C) (0.625 for 4 classes) and Argilla's 0.9 needs ≈ 7 labels per class. Multi-label:
   * λ_c = α / (α + n⁺_c) per class, n⁺_c its positive labels: a class never seen positive stays at 0.5.
   */
  priorMix(): number[] {
    return priorMixFor(this.classCounts(), this.labels.length, this.multiLabel, this.opts.priorStrength);
  }

  /** Trains one round on the current labels: see ClassifierSchedule. */
  async trainRound(options: ClassifierRoundOptions = {}): Promise<ClassifierRoundResult> {
    this.assertLive();
    const steps = options.steps ?? 30;
    const batchSize = options.batchSize ?? 64;
    if (!Number.isInteger(steps) || steps < 0) {
      throw new EngineError('bad_config', `steps must be an integer ≥ 0, got ${String(steps)}`);
    }
    assertPositiveInt(batchSize, 'batchSize');
    if (this.labels.length === 0) {
      return { modelVersion: this.version, steps: 0, loss: null, skipped: 'no labels yet' };
    }
    this.ensureAnchor();
    const joint = this.opts.schedule === 'joint';
    if (joint) {
      this.resetHead();
    }
    const encoderVars = this.model.trainableWeights.map(w => w.read() as tf.Variable);
    const headVars = [this.kernel, this.bias];
    const contrastive = this.contrastiveUsable();
    let done = 0;
    let encoderSteps = 0;
    let sum = 0;
    let stopped = false;
    if (encoderVars.length > 0 && (joint || contrastive)) {
      for (let s = 0; s < steps; s++) {
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
        const batch = this.sampleBatch(batchSize);
        const { value, grads } = tf.variableGrads(
          () => this.stepLoss(batch, joint, contrastive),
          joint ? [...encoderVars, ...headVars] : encoderVars
        );
        const loss = (await value.data())[0];
        value.dispose();
        if (!Number.isFinite(loss)) {
          Object.values(grads).forEach(g => g.dispose());
          throw new EngineError('bad_data', `training diverged: loss is ${loss} at step ${s + 1}`);
        }
        const encoderGrads: { name: string; tensor: tf.Tensor }[] = [];
        const headGrads: { name: string; tensor: tf.Tensor }[] = [];
        for (const [name, tensor] of Object.entries(grads)) {
          (name === this.kernel.name || name === this.bias.name ? headGrads : encoderGrads).push({ name, tensor });
        }
        this.encoderOptimizer.applyGradients(encoderGrads);
        if (joint) {
          this.headOptimizer.applyGradients(headGrads);
        }
        Object.values(grads).forEach(g => g.dispose());
        sum += loss;
        encoderSteps++;
        done++;
        await new Promise<void>(resolve => setImmediate(resolve));
      }
    }
    if (!joint || encoderVars.length === 0 || steps === 0) {
      this.resetHead();
      done += await this.fitHead();
    }
    this.version++;
    return {
      modelVersion: this.version,
      steps: done,
      loss: encoderSteps > 0 ? sum / encoderSteps : null,
      ...(stopped ? { stopped } : {})
    };
  }

  /** L2-normalised embeddings of featurized rows (n × outputDim). */
  embed(rows: Float32Array, batchSize = 256): Float32Array {
    this.assertLive();
    this.checkRows(rows, 'input');
    assertPositiveInt(batchSize, 'batchSize');
    const n = rows.length / this.rowSize;
    const out = new Float32Array(n * this.outputDim);
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const y = tf.tidy(() =>
        normalizeRows(this.forward(rows.subarray(s * this.rowSize, e * this.rowSize), e - s, false))
      );
      out.set(y.dataSync() as Float32Array, s * this.outputDim);
      y.dispose();
    }
    return out;
  }

  /** Embeddings of pool rows. */
  embedPoolRows(rows: readonly number[]): Float32Array {
    return this.embed(this.gatherPool(rows));
  }

  /** Class probabilities of featurized rows (n × numClasses, row-major), prior included. */
  predictProba(rows: Float32Array): Float32Array {
    return probaFromHead(this.exportHead(), this.embed(rows));
  }

  /** Class probabilities from embeddings this trainer produced (skips the encoder: after embedding a pool once). */
  probaFromEmbeddings(embeddings: Float32Array): Float32Array {
    this.assertLive();
    if (embeddings.length % this.outputDim !== 0) {
      throw new EngineError('shape_mismatch', `embeddings must hold whole rows of ${this.outputDim} values`);
    }
    return probaFromHead(this.exportHead(), embeddings);
  }

  /** The head and prior in a plain layout (ClassifierHeadExport). */
  exportHead(): ClassifierHeadExport {
    this.assertLive();
    const k = this.kernel.arraySync() as number[][];
    const b = this.bias.arraySync() as number[];
    return {
      format: 'tunelab-classifier-head/1',
      multiLabel: this.multiLabel,
      numClasses: this.numClasses,
      dim: this.outputDim,
      kernel: k,
      bias: b,
      labelled: this.multiLabel ? new Array<boolean>(this.numClasses).fill(true) : this.classCounts().map(n => n > 0),
      mix: this.priorMix(),
      modelVersion: this.version
    };
  }

  /** The encoder in TF.js layers format (topology + weights), in memory. */
  async encoderArtifacts(): Promise<tf.io.ModelArtifacts> {
    this.assertLive();
    return modelArtifacts(this.model);
  }

  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.kernel.dispose();
      this.bias.dispose();
      this.anchorTargets?.dispose();
      this.prototypes?.dispose();
      this.encoderOptimizer.dispose();
      this.headOptimizer.dispose();
      this.model.dispose();
    }
  }

  // ---- internals ----

  private assertLive(): void {
    if (this.disposed) {
      throw new EngineError('not_ready', 'the classifier has been disposed');
    }
  }

  private checkRows(rows: Float32Array, what: string): Float32Array {
    return checkFeatureRows(rows, this.rowSize, this.rowShape, what);
  }

  private gatherPool(rows: readonly number[]): Float32Array {
    const x = new Float32Array(rows.length * this.rowSize);
    rows.forEach((r, i) => {
      if (!(Number.isInteger(r) && r >= 0 && r < this.poolSize)) {
        throw new EngineError('bad_input', `row ${r} is not a row of the pool (size ${this.poolSize})`);
      }
      x.set(this.pool.subarray(r * this.rowSize, (r + 1) * this.rowSize), i * this.rowSize);
    });
    return x;
  }

  private forward(x: Float32Array, n: number, training: boolean): tf.Tensor2D {
    const input = tf.tensor(x, [n, ...this.rowShape], 'float32');
    return (training ? this.model.apply(input, { training: true }) : this.model.predict(input)) as tf.Tensor2D;
  }

  /** Head logits of normalised embeddings; single-label masks classes with no label so they stay at the prior. */
  private logits(u: tf.Tensor2D): tf.Tensor2D {
    const z = tf.add(tf.matMul(u, this.kernel), this.bias) as tf.Tensor2D;
    if (this.multiLabel) {
      return z;
    }
    const seen = tf.tensor1d(
      this.seen.map(s => (s ? 1 : 0)),
      'float32'
    );
    return tf.where(tf.greater(seen, 0), z, tf.fill(z.shape, -1e9)) as tf.Tensor2D;
  }

  private headLoss(u: tf.Tensor2D, batch: Labelled[]): tf.Scalar {
    const target = new Float32Array(batch.length * this.numClasses);
    batch.forEach((l, i) => l.classes.forEach(c => (target[i * this.numClasses + c] = 1)));
    const t = tf.tensor2d(target, [batch.length, this.numClasses]);
    const z = this.logits(u);
    const fit = (
      this.multiLabel ? tf.losses.sigmoidCrossEntropy(t, z) : tf.losses.softmaxCrossEntropy(t, z)
    ) as tf.Scalar;
    if (!this.prototypes || this.opts.headRidge === 0) {
      return fit;
    }
    return tf.add(
      fit,
      tf.mul(tf.sum(tf.square(tf.sub(this.kernel, this.prototypes))), this.opts.headRidge)
    ) as tf.Scalar;
  }

  /**
   * Class-aware InfoNCE: each anchor's positive is another labelled row sharing a class (itself when its class
   * has one label, which still pushes the other classes away); candidates sharing a class with the anchor are
   * masked so they are not treated as negatives.
   */
  private stepLoss(
    batch: { anchors: Labelled[]; positives: Labelled[] },
    joint: boolean,
    contrastive: boolean
  ): tf.Scalar {
    const { anchors, positives } = batch;
    const rows = [...anchors.map(l => l.row), ...positives.map(l => l.row)];
    const b = anchors.length;
    const emb = this.forward(this.gatherPool(rows), rows.length, true);
    const a = tf.slice(emb, [0, 0], [b, this.outputDim]) as tf.Tensor2D;
    const p = tf.slice(emb, [b, 0], [b, this.outputDim]) as tf.Tensor2D;
    let loss: tf.Scalar = tf.scalar(0);
    if (contrastive) {
      const mask = new Float32Array(b * b);
      anchors.forEach((x, i) => positives.forEach((y, j) => (mask[i * b + j] = j === i || !shareClass(x, y) ? 1 : 0)));
      const c = multipleNegativesRankingLoss(a, p, { scale: this.opts.scale, mask: tf.tensor2d(mask, [b, b]) });
      loss = joint ? (tf.mul(c, this.opts.contrastiveWeight) as tf.Scalar) : c;
    }
    if (joint) {
      loss = tf.add(loss, this.headLoss(normalizeRows(a), anchors)) as tf.Scalar;
    }
    if (this.anchorTargets && this.opts.anchorWeight > 0) {
      const picks = Array.from({ length: this.opts.anchorSamples }, () => this.rng.int(this.anchorRows.length));
      const current = this.forward(this.gatherPool(picks.map(i => this.anchorRows[i])), picks.length, true);
      const target = tf.gather(this.anchorTargets, tf.tensor1d(picks, 'int32')) as tf.Tensor2D;
      loss = tf.add(loss, tf.mul(anchorLoss(current, target), this.opts.anchorWeight)) as tf.Scalar;
    }
    return loss;
  }

  /** Contrastive tuning needs two classes among the labels (multi-label: two distinct label sets). */
  private contrastiveUsable(): boolean {
    const keys = new Set(this.labels.map(l => l.classes.join(',')));
    return keys.size >= 2;
  }

  private sampleBatch(size: number): { anchors: Labelled[]; positives: Labelled[] } {
    const order = this.rng.shuffle([...this.labels]).slice(0, size);
    const positives = order.map(x => {
      const mates = this.labels.filter(y => y.row !== x.row && shareClass(x, y));
      return mates.length > 0 ? mates[this.rng.int(mates.length)] : x;
    });
    return { anchors: order, positives };
  }

  /** Fits the head on the frozen embeddings of the labelled rows (full batch). Returns the steps made. */
  private async fitHead(): Promise<number> {
    if (this.opts.headSteps === 0) {
      return 0;
    }
    const u = tf.tensor2d(this.embedPoolRows(this.labels.map(l => l.row)), [this.labels.length, this.outputDim]);
    try {
      for (let s = 0; s < this.opts.headSteps; s++) {
        const cost = this.headOptimizer.minimize(() => this.headLoss(u, this.labels), true, [this.kernel, this.bias]);
        cost?.dispose();
        if (s % 10 === 9) {
          await new Promise<void>(resolve => setImmediate(resolve));
        }
      }
    } finally {
      u.dispose();
    }
    return this.opts.headSteps;
  }

  /**
   * Restarts the head as a nearest-centroid classifier on the current encoder: each labelled class's weights
   * become prototypeScale · its normalised mean embedding (the ridge's target), bias 0, fresh head optimizer.
   * Classes without labels get zero weights and stay masked (single-label) at the prior.
   */
  private resetHead(): void {
    const counts = this.classCounts();
    const emb = this.embedPoolRows(this.labels.map(l => l.row));
    counts.forEach((n, c) => (this.seen[c] = n > 0));
    const kernel = centroidKernel(emb, this.outputDim, this.labels, this.numClasses, this.opts.prototypeScale);
    this.prototypes?.dispose();
    this.prototypes = tf.keep(tf.tensor2d(kernel, [this.outputDim, this.numClasses]));
    this.kernel.assign(this.prototypes);
    tf.tidy(() => this.bias.assign(tf.zeros([this.numClasses])));
    this.headOptimizer.dispose();
    this.headOptimizer = tf.train.adam(this.opts.headLearningRate);
  }

  /** Samples the drift term's reference rows once and embeds them with the starting encoder. */
  private ensureAnchor(): void {
    if (this.anchorTargets || this.opts.anchorWeight === 0 || this.poolSize === 0) {
      return;
    }
    const n = Math.min(this.poolSize, this.opts.anchorPoolRows);
    const all = this.rng.shuffle(Array.from({ length: this.poolSize }, (_, i) => i));
    this.anchorRows = all.slice(0, n);
    const emb = this.embedPoolRows(this.anchorRows);
    this.anchorTargets = tf.keep(tf.tensor2d(emb, [n, this.outputDim]));
  }
}

/**
 * The prior's weight per class (see ClassifierTrainer.priorMix): `counts` labelled (multi-label: positive) rows
 * per class, `total` labelled rows, α = priorStrength pseudo-labels per class.
 */
export function priorMixFor(
  counts: readonly number[],
  total: number,
  multiLabel: boolean,
  priorStrength: number
): number[] {
  const a = priorStrength;
  if (multiLabel) {
    return counts.map(n => (a + n > 0 ? a / (a + n) : 1));
  }
  const k = counts.length;
  const mix = a * k + total > 0 ? (a * k) / (a * k + total) : 1;
  return new Array<number>(k).fill(mix);
}

/**
 * Nearest-centroid kernel (dim × numClasses, row-major): each labelled class's column is prototypeScale · its
 * normalised mean embedding; classes without labels stay 0. `embeddings` holds one row per label, in order.
 */
function centroidKernel(
  embeddings: Float32Array,
  dim: number,
  labels: readonly { classes: readonly number[] }[],
  numClasses: number,
  prototypeScale: number
): Float32Array {
  const kernel = new Float32Array(dim * numClasses);
  for (let c = 0; c < numClasses; c++) {
    const mean = new Float64Array(dim);
    let any = false;
    labels.forEach((l, i) => {
      if (l.classes.includes(c)) {
        any = true;
        for (let d = 0; d < dim; d++) {
          mean[d] += embeddings[i * dim + d];
        }
      }
    });
    if (!any) {
      continue;
    }
    const norm = Math.sqrt(mean.reduce((sum, v) => sum + v * v, 0)) || 1;
    for (let d = 0; d < dim; d++) {
      kernel[d * numClasses + c] = (prototypeScale * mean[d]) / norm;
    }
  }
  return kernel;
}

/**
 * The head a `two-phase` round with the default `headSteps: 0` builds, from embeddings computed elsewhere
 * (a session's pool index): the nearest-centroid softmax/sigmoid with the uniform prior. `embeddings` holds
 * one row per label (L2-normalised here), so a session whose encoder lives in its worker builds the same
 * head as ClassifierTrainer without moving rows back and forth.
 */
export function centroidHead(
  embeddings: Float32Array,
  dim: number,
  labels: readonly { classes: readonly number[] }[],
  options: {
    numClasses: number;
    multiLabel: boolean;
    modelVersion: number;
    prototypeScale?: number;
    priorStrength?: number;
  }
): ClassifierHeadExport {
  const { numClasses: k, multiLabel } = options;
  if (embeddings.length !== labels.length * dim) {
    throw new EngineError(
      'shape_mismatch',
      `expected ${labels.length} rows of ${dim} values, got ${embeddings.length}`
    );
  }
  const unit = new Float32Array(embeddings);
  for (let i = 0; i < labels.length; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      norm += unit[i * dim + d] ** 2;
    }
    const inv = 1 / Math.sqrt(norm + EPS);
    for (let d = 0; d < dim; d++) {
      unit[i * dim + d] *= inv;
    }
  }
  const flat = centroidKernel(unit, dim, labels, k, options.prototypeScale ?? 10);
  const counts = new Array<number>(k).fill(0);
  labels.forEach(l => l.classes.forEach(c => counts[c]++));
  return {
    format: 'tunelab-classifier-head/1',
    multiLabel,
    numClasses: k,
    dim,
    kernel: Array.from({ length: dim }, (_, d) => Array.from(flat.subarray(d * k, (d + 1) * k))),
    bias: new Array<number>(k).fill(0),
    labelled: multiLabel ? new Array<boolean>(k).fill(true) : counts.map(n => n > 0),
    mix: priorMixFor(counts, labels.length, multiLabel, options.priorStrength ?? 1),
    modelVersion: options.modelVersion
  };
}

function shareClass(a: Labelled, b: Labelled): boolean {
  return a.classes.some(c => b.classes.includes(c));
}

/**
 * Class probabilities (n × numClasses, row-major) from a head export and encoder outputs: the same formula
 * Python's TunedClassifier.predict_proba will use (ClassifierHeadExport).
 */
export function probaFromHead(head: ClassifierHeadExport, embeddings: Float32Array): Float32Array {
  const { dim, numClasses: k } = head;
  if (embeddings.length % dim !== 0) {
    throw new EngineError(
      'shape_mismatch',
      `embeddings must hold whole rows of ${dim} values, got ${embeddings.length}`
    );
  }
  const n = embeddings.length / dim;
  const out = new Float32Array(n * k);
  const z = new Float64Array(k);
  // One class's weights contiguous: a session predicts its whole pool with this after every round.
  const weights = new Float64Array(k * dim);
  for (let d = 0; d < dim; d++) {
    for (let c = 0; c < k; c++) {
      weights[c * dim + d] = head.kernel[d][c];
    }
  }
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      norm += embeddings[i * dim + d] ** 2;
    }
    const inv = 1 / Math.sqrt(norm + EPS);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let d = 0, w = c * dim, e = i * dim; d < dim; d++) {
        s += embeddings[e + d] * weights[w + d];
      }
      z[c] = head.bias[c] + s * inv;
    }
    if (head.multiLabel) {
      for (let c = 0; c < k; c++) {
        out[i * k + c] = (1 - head.mix[c]) / (1 + Math.exp(-z[c])) + head.mix[c] * 0.5;
      }
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      if (head.labelled[c]) {
        max = Math.max(max, z[c]);
      }
    }
    let total = 0;
    for (let c = 0; c < k; c++) {
      z[c] = head.labelled[c] ? Math.exp(z[c] - max) : 0;
      total += z[c];
    }
    const mix = head.mix[0];
    for (let c = 0; c < k; c++) {
      out[i * k + c] = (1 - mix) * (total > 0 ? z[c] / total : 0) + mix / k;
    }
  }
  return out;
}
