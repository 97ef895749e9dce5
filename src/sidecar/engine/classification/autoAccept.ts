import { EngineError } from '../errors';
import { ClassLabel } from './classifierTrainer';

/** Argilla tutorial's certainty threshold. */
export const DEFAULT_CERTAINTY_THRESHOLD = 0.9;

/**
 * A label the model gave itself: kept apart from human labels, never trained on, withdrawn when a later
 * model version is no longer sure. `score` is the certainty it was accepted with (single-label: the top
 * probability; multi-label: the least certain yes/no decision, min_c max(p_c, 1 − p_c)).
 */
export interface MachineLabel {
  source: 'machine';
  row: number;
  classIndices: number[];
  score: number;
  modelVersion: number;
}

export interface AutoAcceptChanges {
  added: MachineLabel[];
  /** Still above the threshold under the new version, possibly with another class. */
  updated: MachineLabel[];
  /** Fell below the threshold: the row is open for questions again. */
  withdrawn: MachineLabel[];
}

/** Certainty and predicted classes of one row of probabilities. */
export function certaintyOf(
  row: Float32Array | readonly number[],
  multiLabel: boolean
): { score: number; classIndices: number[] } {
  if (multiLabel) {
    let score = 1;
    const classIndices: number[] = [];
    row.forEach((p, c) => {
      score = Math.min(score, Math.max(p, 1 - p));
      if (p >= 0.5) {
        classIndices.push(c);
      }
    });
    return { score, classIndices };
  }
  let best = 0;
  for (let c = 1; c < row.length; c++) {
    if (row[c] > row[best]) {
      best = c;
    }
  }
  return { score: row[best], classIndices: [best] };
}

/**
 * Auto-accepted predictions (Argilla's certainty threshold), one per row, kept apart from human labels.
 * Rows a human labelled are never auto-accepted; a human answer on a machine-labelled row replaces it.
 * Only `confirm` turns a machine label into a (human) training label.
 */
export class AutoAcceptLedger {
  private readonly labels = new Map<number, MachineLabel>();

  constructor(
    readonly numClasses: number,
    readonly multiLabel = false,
    readonly threshold = DEFAULT_CERTAINTY_THRESHOLD
  ) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new EngineError('bad_config', `the certainty threshold must be in (0, 1], got ${threshold}`);
    }
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new EngineError('bad_config', `numClasses must be a positive integer, got ${numClasses}`);
    }
  }

  /**
   * Re-evaluates `rows` with the predictions of `modelVersion` (probs: rows.length × numClasses). Rows at or
   * above the threshold get (or keep, updated) a machine label; machine labels below it are withdrawn. Rows in
   * `humanLabelled` are skipped (a human label always wins). Include every row of `staleRows(version)` so no
   * machine label outlives the model that made it.
   */
  evaluate(
    modelVersion: number,
    rows: readonly number[],
    probs: Float32Array,
    humanLabelled: (row: number) => boolean
  ): AutoAcceptChanges {
    const k = this.numClasses;
    if (probs.length !== rows.length * k) {
      throw new EngineError(
        'shape_mismatch',
        `expected ${rows.length} rows × ${k} classes = ${rows.length * k} probabilities, got ${probs.length}`
      );
    }
    const changes: AutoAcceptChanges = { added: [], updated: [], withdrawn: [] };
    rows.forEach((row, i) => {
      const old = this.labels.get(row);
      if (old && modelVersion < old.modelVersion) {
        return; // an older model's predictions never overwrite a newer one's
      }
      if (humanLabelled(row)) {
        if (old) {
          this.labels.delete(row);
          changes.withdrawn.push(old);
        }
        return;
      }
      const { score, classIndices } = certaintyOf(probs.subarray(i * k, (i + 1) * k), this.multiLabel);
      // compared in float32: probabilities come as Float32Array, where 0.9 is 0.89999998
      if (Math.fround(score) >= Math.fround(this.threshold)) {
        const label: MachineLabel = { source: 'machine', row, classIndices, score, modelVersion };
        this.labels.set(row, label);
        (old ? changes.updated : changes.added).push(label);
      } else if (old) {
        this.labels.delete(row);
        changes.withdrawn.push(old);
      }
    });
    return changes;
  }

  /** Machine-labelled rows decided by a version older than `modelVersion`. */
  staleRows(modelVersion: number): number[] {
    return [...this.labels.values()].filter(l => l.modelVersion < modelVersion).map(l => l.row);
  }

  get(row: number): MachineLabel | undefined {
    return this.labels.get(row);
  }

  /** All machine labels, by row. */
  all(): MachineLabel[] {
    return [...this.labels.values()].sort((a, b) => a.row - b.row);
  }

  get size(): number {
    return this.labels.size;
  }

  /**
   * A human confirms the machine label of `row` (e.g. Enter on it in the review list): it leaves the ledger
   * and comes back as a human label to store as an answer; from then on it trains.
   */
  confirm(row: number): ClassLabel {
    const label = this.labels.get(row);
    if (!label) {
      throw new EngineError('bad_input', `row ${row} has no machine label to confirm (it was withdrawn or answered)`);
    }
    this.labels.delete(row);
    return this.multiLabel
      ? { row, classIndices: [...label.classIndices], source: 'human' }
      : { row, classIndex: label.classIndices[0], source: 'human' };
  }

  /** A human answered (or rejected) `row`: its machine label, if any, is dropped and returned. */
  humanAnswered(row: number): MachineLabel | undefined {
    const label = this.labels.get(row);
    this.labels.delete(row);
    return label;
  }
}

/**
 * Wilson score lower bound of a binomial proportion (z = 1.64: one-sided 95%): how low the precision of
 * confident predictions may really be, given `correct` of `total` checked by a human.
 */
export function wilsonLowerBound(correct: number, total: number, z = 1.64): number {
  if (total === 0) {
    return 0;
  }
  const p = correct / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const spread = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return Math.max(0, (centre - spread) / (1 + z2 / total));
}

/**
 * Auto-accept has to be earned: it turns on only when human answers to questions the model was already
 * certain about (certainty ≥ threshold when asked) show, by the Wilson lower bound, a precision of at least
 * the threshold. Confident predictions are not the same as correct ones: on AG News with 40 labels and a
 * tuned 256-d text-mlp, 8–11% of the pool passed 0.9 but only 60–68% of those were right
 * (docs/classification.md). The random share of questions feeds this check with unbiased items.
 */
export class AutoAcceptGate {
  private correct = 0;
  private total = 0;

  constructor(
    readonly threshold = DEFAULT_CERTAINTY_THRESHOLD,
    /** Checked answers needed before the gate can open at all. */
    readonly minChecked = 10
  ) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new EngineError('bad_config', `the certainty threshold must be in (0, 1], got ${threshold}`);
    }
    if (!Number.isInteger(minChecked) || minChecked < 1) {
      throw new EngineError('bad_config', `minChecked must be a positive integer, got ${minChecked}`);
    }
  }

  /**
   * A human answered a question the model had predicted `predicted` for with `certainty` (the shown
   * prediction). Only confident predictions are evidence; others are ignored.
   */
  recordAnswer(certainty: number, predicted: readonly number[], answered: readonly number[]): void {
    if (Math.fround(certainty) < Math.fround(this.threshold)) {
      return;
    }
    this.total++;
    const a = [...predicted].sort((x, y) => x - y);
    const b = [...answered].sort((x, y) => x - y);
    const same = a.length === b.length && a.every((c, k) => c === b[k]);
    this.correct += same ? 1 : 0;
  }

  /** Confident predictions checked by a human, and how many of them were right. */
  get checked(): { correct: number; total: number } {
    return { correct: this.correct, total: this.total };
  }

  get open(): boolean {
    return this.total >= this.minChecked && wilsonLowerBound(this.correct, this.total) >= this.threshold;
  }
}
