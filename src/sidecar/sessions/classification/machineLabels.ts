import { AutoAcceptGate, AutoAcceptLedger, MachineLabel } from '../../engine/classification';
import type { Item, MachineLabelRecord } from '../../../protocol/messages';
import type { LabelStore } from '../../store/labelStore';

/**
 * A classification session's auto-accepted items: the engine's ledger (what the model is sure of) behind the
 * engine's gate (auto-accept only once confident predictions proved right), plus the rows a human rejected
 * without relabelling (not auto-accepted again by the model version that made them). Persisted to the
 * store's machine_labels table, never to answers: machine labels are never trained on unless confirmed.
 */
export class MachineLabelBook {
  private ledger: AutoAcceptLedger;
  private gate: AutoAcceptGate;
  /** Row → model version whose machine label a human rejected. */
  private readonly rejected = new Map<number, number>();

  constructor(
    numClasses: number,
    private readonly multiLabel: boolean,
    /** null: auto-accept is off. */
    private readonly threshold: number | null,
    private readonly store: LabelStore,
    private readonly datasetId: string,
    /** The session's current label names (stored with machine labels, as answers store names). */
    private readonly labelNames: () => readonly string[]
  ) {
    this.ledger = new AutoAcceptLedger(numClasses, multiLabel, threshold ?? 1);
    this.gate = new AutoAcceptGate(threshold ?? 1);
  }

  get size(): number {
    return this.ledger.size;
  }

  get open(): boolean {
    return this.threshold !== null && this.gate.open;
  }

  has(row: number): boolean {
    return this.ledger.get(row) !== undefined;
  }

  get(row: number): MachineLabel | undefined {
    return this.ledger.get(row);
  }

  /** A human answered a question shown with this prediction: evidence for (or against) the gate. */
  recordShown(certainty: number, predicted: readonly number[], answered: readonly number[]): void {
    if (this.threshold !== null) {
      this.gate.recordAnswer(certainty, predicted, answered);
    }
  }

  /**
   * After a model update: rows at or above the threshold become machine labels (only while the gate is open),
   * machine labels of older versions are re-judged and withdrawn below it. Returns true if anything changed.
   */
  evaluate(
    modelVersion: number,
    rows: readonly number[],
    probs: (rows: readonly number[]) => Float32Array,
    humanLabelled: (row: number) => boolean
  ): boolean {
    if (this.threshold === null) {
      return false;
    }
    const wanted = this.gate.open ? rows : this.ledger.staleRows(modelVersion);
    if (wanted.length === 0) {
      return false;
    }
    const skip = (row: number) => humanLabelled(row) || this.rejected.get(row) === modelVersion;
    const changes = this.ledger.evaluate(modelVersion, wanted, probs(wanted), skip);
    const changed = changes.added.length + changes.updated.length + changes.withdrawn.length > 0;
    if (changed) {
      this.persist();
    }
    return changed;
  }

  /** Confirms a machine label: it leaves the book, and its classes come back to be stored as a human answer. */
  confirm(row: number): number[] {
    const label = this.ledger.confirm(row);
    this.persist();
    return 'classIndices' in label ? [...label.classIndices] : [label.classIndex];
  }

  /** A human answered or rejected the row: its machine label (if any) goes; `reject` keeps it off for this version. */
  drop(row: number, reject = false): void {
    const label = this.ledger.humanAnswered(row);
    if (reject && label !== undefined) {
      this.rejected.set(row, label.modelVersion);
    }
    if (label !== undefined) {
      this.persist();
    }
  }

  /** The label list changed: machine labels and the gate's evidence no longer apply. */
  reset(numClasses: number): void {
    this.ledger = new AutoAcceptLedger(numClasses, this.multiLabel, this.threshold ?? 1);
    this.gate = new AutoAcceptGate(this.threshold ?? 1);
    this.rejected.clear();
    this.persist();
  }

  /** Most certain first, with their items' content for the list. */
  records(labels: readonly string[], item: (row: number) => Item): MachineLabelRecord[] {
    return this.ledger
      .all()
      .sort((a, b) => b.score - a.score || a.row - b.row)
      .map(label => {
        const it = item(label.row);
        return {
          itemId: it.id,
          index: it.index,
          ...(it.text !== undefined ? { text: it.text } : {}),
          ...(it.image !== undefined ? { image: it.image } : {}),
          labels: label.classIndices.map(c => labels[c]),
          score: Math.min(1, Math.max(0, label.score)),
          modelVersion: label.modelVersion
        };
      });
  }

  private persist(): void {
    this.store.machineLabelsReplaced(
      this.datasetId,
      this.ledger.all().map(l => ({
        row: l.row,
        labels: l.classIndices.map(c => this.labelNames()[c]),
        score: l.score,
        modelVersion: l.modelVersion
      }))
    );
  }
}
