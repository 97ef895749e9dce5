import { initBackend } from '../backend';
import { createResidualMlpEncoder } from '../models';
import { AutoAcceptGate, AutoAcceptLedger, certaintyOf, wilsonLowerBound } from './autoAccept';
import { ClassifierTrainer, ClassLabel } from './classifierTrainer';

describe('AutoAcceptLedger', () => {
  const never = () => false;

  it("uses Argilla's 0.9 by default: at or above becomes a machine label, below does not", () => {
    const ledger = new AutoAcceptLedger(3);
    expect(ledger.threshold).toBe(0.9);
    const changes = ledger.evaluate(
      1,
      [10, 11, 12],
      Float32Array.from([0.9, 0.05, 0.05, 0.89, 0.1, 0.01, 0.02, 0.03, 0.95]),
      never
    );
    expect(changes.added.map(l => [l.row, l.classIndices, l.modelVersion])).toEqual([
      [10, [0], 1],
      [12, [2], 1]
    ]);
    expect(ledger.get(12)).toMatchObject({ source: 'machine', score: expect.closeTo(0.95, 5) });
    expect(ledger.get(11)).toBeUndefined();
  });

  it('re-evaluates on a new model version: withdraws labels whose score fell below the threshold', () => {
    const ledger = new AutoAcceptLedger(2);
    ledger.evaluate(1, [0, 1, 2], Float32Array.from([0.95, 0.05, 0.97, 0.03, 0.92, 0.08]), never);
    expect(ledger.staleRows(2)).toEqual([0, 1, 2]);
    const changes = ledger.evaluate(2, [0, 1, 2], Float32Array.from([0.6, 0.4, 0.99, 0.01, 0.05, 0.95]), never);
    expect(changes.withdrawn.map(l => l.row)).toEqual([0]);
    expect(changes.updated.map(l => [l.row, l.classIndices, l.modelVersion])).toEqual([
      [1, [0], 2],
      [2, [1], 2]
    ]);
    expect(ledger.all().map(l => l.row)).toEqual([1, 2]);
    expect(ledger.staleRows(2)).toEqual([]);
    // an older model's late predictions never overwrite a newer one's
    ledger.evaluate(1, [1], Float32Array.from([0.1, 0.9]), never);
    expect(ledger.get(1)).toMatchObject({ classIndices: [0], modelVersion: 2 });
  });

  it('never auto-accepts a row a human labelled, and a human answer replaces a machine label', () => {
    const ledger = new AutoAcceptLedger(2);
    const human = new Set([5]);
    ledger.evaluate(1, [5, 6], Float32Array.from([0.99, 0.01, 0.99, 0.01]), r => human.has(r));
    expect(ledger.get(5)).toBeUndefined();
    expect(ledger.humanAnswered(6)).toMatchObject({ row: 6 });
    expect(ledger.size).toBe(0);
  });

  it('machine labels never reach the trainer; a confirmed one does, as a human label', async () => {
    await initBackend({ preferred: 'wasm' });
    const trainer = new ClassifierTrainer(createResidualMlpEncoder({ inputDim: 4, seed: 1 }), { numClasses: 2 });
    trainer.setPool(Float32Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) - 5));
    const ledger = new AutoAcceptLedger(2);
    ledger.evaluate(1, [3, 4], Float32Array.from([0.95, 0.05, 0.02, 0.98]), never);
    const human: ClassLabel[] = [{ row: 0, classIndex: 0 }];
    expect(() => trainer.setLabels([...human, ...(ledger.all() as unknown as ClassLabel[])])).toThrow(/machine label/);
    trainer.setLabels(human);
    expect(trainer.labelCount).toBe(1);

    const confirmed = ledger.confirm(4);
    expect(confirmed).toEqual({ row: 4, classIndex: 1, source: 'human' });
    expect(ledger.get(4)).toBeUndefined();
    trainer.setLabels([...human, confirmed]);
    expect(trainer.labelCount).toBe(2);
    expect(() => ledger.confirm(4)).toThrow('row 4 has no machine label to confirm');
    trainer.dispose();
  });

  it('multi-label: certainty is the least certain decision; all classes at or above 0.5 are the label', () => {
    expect(certaintyOf([0.95, 0.02, 0.93], true)).toEqual({ score: expect.closeTo(0.93, 5), classIndices: [0, 2] });
    const ledger = new AutoAcceptLedger(3, true);
    const changes = ledger.evaluate(1, [0, 1], Float32Array.from([0.95, 0.02, 0.93, 0.95, 0.6, 0.01]), never);
    expect(changes.added.map(l => l.row)).toEqual([0]);
    expect(ledger.confirm(0)).toEqual({ row: 0, classIndices: [0, 2], source: 'human' });
  });

  it('rejects a threshold outside (0, 1] and probabilities of the wrong shape', () => {
    expect(() => new AutoAcceptLedger(2, false, 1.5)).toThrow('the certainty threshold must be in (0, 1], got 1.5');
    expect(() => new AutoAcceptLedger(2).evaluate(1, [0, 1], Float32Array.from([1, 0]), never)).toThrow(
      'expected 2 rows × 2 classes = 4 probabilities, got 2'
    );
  });
});

describe('AutoAcceptGate', () => {
  it('stays shut while confident predictions are often wrong (AG News: 2 in 3 right)', () => {
    const gate = new AutoAcceptGate();
    for (let i = 0; i < 60; i++) {
      gate.recordAnswer(0.93, [0], i % 3 === 0 ? [1] : [0]);
    }
    expect(gate.checked).toEqual({ correct: 40, total: 60 });
    expect(gate.open).toBe(false);
  });

  it('opens once enough confident predictions were checked and right; unconfident answers are no evidence', () => {
    const gate = new AutoAcceptGate(0.9, 10);
    for (let i = 0; i < 30; i++) {
      gate.recordAnswer(0.5, [0], [1]); // below the threshold: ignored
    }
    for (let i = 0; i < 9; i++) {
      gate.recordAnswer(0.95, [2], [2]);
    }
    expect(gate.open).toBe(false); // 9 < minChecked
    for (let i = 0; i < 30; i++) {
      gate.recordAnswer(0.95, [2], [2]);
    }
    expect(gate.checked).toEqual({ correct: 39, total: 39 });
    expect(gate.open).toBe(true);
    // multi-label: the whole set must match
    gate.recordAnswer(0.97, [0, 2], [2, 0]);
    expect(gate.checked.correct).toBe(40);
  });

  it('wilsonLowerBound is below the observed rate and tightens with more answers', () => {
    expect(wilsonLowerBound(9, 10)).toBeLessThan(0.9);
    expect(wilsonLowerBound(90, 100)).toBeGreaterThan(wilsonLowerBound(9, 10));
    expect(wilsonLowerBound(0, 0)).toBe(0);
    expect(wilsonLowerBound(100, 100)).toBeGreaterThan(0.97);
  });
});
