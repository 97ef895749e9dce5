import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { createResidualMlpEncoder } from '../models';
import { makeClusteredData } from '../training/synthetic';
import { MachineLabel } from './autoAccept';
import { centroidHead, ClassifierSchedule, ClassifierTrainer, ClassLabel, probaFromHead } from './classifierTrainer';

const K = 4;
const DIM = 16;

function data() {
  return makeClusteredData({ n: 400, dim: DIM, classes: K, signalDim: 4, separation: 1.5, noise: 1, seed: 3 });
}

function argmaxAccuracy(probs: Float32Array, labels: Int32Array, from: number): number {
  let right = 0;
  for (let i = from; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) {
      if (probs[i * K + c] > probs[i * K + best]) {
        best = c;
      }
    }
    right += best === labels[i] ? 1 : 0;
  }
  return right / (labels.length - from);
}

/** The first `perClass` rows of each class among rows [0, 100). */
function fewLabels(labels: Int32Array, perClass: number): ClassLabel[] {
  const out: ClassLabel[] = [];
  const count = new Array<number>(K).fill(0);
  for (let row = 0; row < 100; row++) {
    const c = labels[row];
    if (count[c] < perClass) {
      count[c]++;
      out.push({ row, classIndex: c });
    }
  }
  return out;
}

function makeTrainer(schedule: ClassifierSchedule = 'two-phase', multiLabel = false): ClassifierTrainer {
  return new ClassifierTrainer(createResidualMlpEncoder({ inputDim: DIM, outputDim: DIM, hiddenDim: 32, seed: 1 }), {
    numClasses: K,
    multiLabel,
    schedule,
    seed: 1
  });
}

describe('ClassifierTrainer', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
  });

  it("centroidHead over the trainer's embeddings is the head a 0-step round builds (what sessions use)", async () => {
    const { rows, labels } = data();
    const trainer = makeTrainer();
    trainer.setPool(rows);
    const few = fewLabels(labels, 3);
    trainer.setLabels(few);
    await trainer.trainRound({ steps: 0 });
    const expected = trainer.exportHead();
    const emb = trainer.embedPoolRows(few.map(l => l.row));
    const head = centroidHead(
      emb,
      DIM,
      few.map(l => ({ classes: 'classIndex' in l ? [l.classIndex] : [...l.classIndices] })),
      { numClasses: K, multiLabel: false, modelVersion: 1 }
    );
    expect(head.labelled).toEqual(expected.labelled);
    expect(head.mix).toEqual(expected.mix);
    const kernelDiff = head.kernel.flat().map((v, n) => Math.abs(v - expected.kernel.flat()[n]));
    expect(Math.max(...kernelDiff)).toBeLessThan(1e-4);
    const pool = trainer.embed(rows);
    const a = probaFromHead(head, pool);
    const b = probaFromHead(expected, pool);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);
    trainer.dispose();
  });

  it.each<ClassifierSchedule>(['two-phase', 'joint'])(
    '%s: held-out accuracy is well above chance after two labels per class',
    async schedule => {
      const { rows, labels } = data();
      const t = makeTrainer(schedule);
      t.setPool(rows);
      t.setLabels(fewLabels(labels, 2));
      for (let round = 0; round < 3; round++) {
        const r = await t.trainRound({ steps: 20 });
        expect(r.steps).toBeGreaterThan(0);
      }
      expect(t.modelVersion).toBe(3);
      // rows 100.. were never labelled; chance is 0.25
      expect(argmaxAccuracy(t.predictProba(rows), labels, 100)).toBeGreaterThan(0.6);
      t.dispose();
    },
    60000
  );

  it('predicts the uniform prior before any label and keeps unlabelled classes at the prior', async () => {
    const { rows, labels } = data();
    const t = makeTrainer();
    t.setPool(rows);
    const before = t.predictProba(rows.subarray(0, 3 * DIM));
    before.forEach(p => expect(p).toBeCloseTo(1 / K, 6));
    expect(await t.trainRound()).toMatchObject({ skipped: 'no labels yet', modelVersion: 0 });

    // one label for classes 0 and 1 only
    const two = fewLabels(labels, 1).filter(l => 'classIndex' in l && l.classIndex < 2);
    t.setLabels(two);
    await t.trainRound({ steps: 10 });
    const mix = t.priorMix()[0];
    expect(mix).toBeCloseTo((1 * K) / (1 * K + 2), 6); // α = 1 pseudo-label per class
    const p = t.predictProba(rows);
    for (let i = 0; i < 400; i++) {
      expect(p[i * K + 2]).toBeCloseTo(mix / K, 5);
      expect(p[i * K + 3]).toBeCloseTo(mix / K, 5);
      // two labels cannot make anything confident: top ≤ 1 − λ + λ/C
      expect(Math.max(...p.subarray(i * K, (i + 1) * K))).toBeLessThanOrEqual(1 - mix + mix / K + 1e-6);
      expect(p.subarray(i * K, (i + 1) * K).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    t.dispose();
  }, 30000);

  it('the head restarts each round from the current class centroids, so later labels count', async () => {
    const { rows, labels } = data();
    const t = makeTrainer();
    t.setPool(rows);
    t.setLabels(fewLabels(labels, 1));
    await t.trainRound({ steps: 0 }); // frozen encoder: the head is nearest-centroid
    const many = fewLabels(labels, 10);
    t.setLabels(many);
    await t.trainRound({ steps: 0 });
    const emb = t.embed(rows);
    const centroid = Array.from({ length: K }, () => new Float64Array(DIM));
    for (const l of many) {
      const c = (l as { classIndex: number }).classIndex;
      for (let d = 0; d < DIM; d++) {
        centroid[c][d] += emb[l.row * DIM + d];
      }
    }
    const p = t.predictProba(rows);
    for (let i = 100; i < 400; i++) {
      const cos = centroid.map(m => m.reduce((s, v, d) => s + v * emb[i * DIM + d], 0) / Math.hypot(...m));
      const byHand = cos.indexOf(Math.max(...cos));
      const byModel = Array.from(p.subarray(i * K, (i + 1) * K)).indexOf(Math.max(...p.subarray(i * K, (i + 1) * K)));
      expect(byModel).toBe(byHand);
    }
    t.dispose();
  }, 30000);

  it('keeps training after the pool grows or is replaced (labels on dropped rows go)', async () => {
    const { rows, labels } = data();
    const t = makeTrainer();
    t.setPool(rows.slice(0, 200 * DIM));
    t.setLabels(fewLabels(labels, 2));
    await t.trainRound({ steps: 2 });
    expect(t.appendPool(rows.slice(200 * DIM))).toBe(200);
    expect(t.size).toBe(400);
    t.setLabels([...fewLabels(labels, 2), { row: 399, classIndex: labels[399] }]);
    await t.trainRound({ steps: 2 });
    t.setPool(rows.slice(0, 50 * DIM));
    expect(t.labelCount).toBe(fewLabels(labels, 2).filter(l => l.row < 50).length);
    expect((await t.trainRound({ steps: 2 })).modelVersion).toBe(3);
    t.dispose();
  }, 30000);

  it('refuses machine labels: only human labels train', () => {
    const { rows } = data();
    const t = makeTrainer();
    t.setPool(rows);
    const machine: MachineLabel = { source: 'machine', row: 3, classIndices: [1], score: 0.95, modelVersion: 2 };
    expect(() => t.setLabels([machine as unknown as ClassLabel])).toThrow(
      /label 0 \(row 3\) is a machine label: only human or human-confirmed labels train the model/
    );
    expect(t.labelCount).toBe(0);
    t.dispose();
  });

  it('names the bad label: row outside the pool, unknown class, wrong shape for the mode', () => {
    const { rows } = data();
    const t = makeTrainer();
    t.setPool(rows);
    expect(() => t.setLabels([{ row: 400, classIndex: 0 }])).toThrow(
      'label 0: row 400 is not a row of the pool (size 400)'
    );
    expect(() =>
      t.setLabels([
        { row: 1, classIndex: 0 },
        { row: 2, classIndex: 4 }
      ])
    ).toThrow('label 1: class 4 is not one of 0..3');
    expect(() => t.setLabels([{ row: 1, classIndices: [0] }])).toThrow(/single-label \(use classIndex\)/);
    expect(() => new ClassifierTrainer(createResidualMlpEncoder({ inputDim: DIM }), { numClasses: 1 })).toThrow(
      'single-label classification needs at least 2 classes, got 1'
    );
    t.dispose();
  });

  it('exports the head so the plain formula reproduces predictProba (what Python rebuilds)', async () => {
    const { rows, labels } = data();
    const t = makeTrainer('joint');
    t.setPool(rows);
    t.setLabels(fewLabels(labels, 2));
    await t.trainRound({ steps: 10 });
    const head = JSON.parse(JSON.stringify(t.exportHead())) as ReturnType<ClassifierTrainer['exportHead']>;
    expect(head).toMatchObject({ format: 'tunelab-classifier-head/1', numClasses: K, dim: DIM, modelVersion: 1 });
    expect(head.kernel).toHaveLength(DIM);
    expect(head.kernel[0]).toHaveLength(K);
    const sample = rows.subarray(0, 20 * DIM);
    // the encoder output is normalised by the formula itself, so raw encoder outputs work too
    const raw = t.model.predict(tf.tensor2d(sample, [20, DIM])) as tf.Tensor;
    const rebuilt = probaFromHead(head, raw.dataSync() as Float32Array);
    raw.dispose();
    const direct = t.predictProba(sample);
    rebuilt.forEach((p, i) => expect(p).toBeCloseTo(direct[i], 5));
    const artifacts = await t.encoderArtifacts();
    expect(artifacts.weightData).toBeDefined();
    t.dispose();
  }, 30000);

  it('multi-label: sigmoid per class, a class never seen positive stays at 0.5', async () => {
    const { rows, labels } = data();
    const t = makeTrainer('two-phase', true);
    t.setPool(rows);
    // classes 0..2 as single-class label sets, two rows also carrying class 1; class 3 never positive
    const ml: ClassLabel[] = fewLabels(labels, 2)
      .filter(l => 'classIndex' in l && l.classIndex < 3)
      .map((l, i) => ({
        row: l.row,
        classIndices: i < 2 ? [(l as { classIndex: number }).classIndex, 1] : [(l as { classIndex: number }).classIndex]
      }));
    t.setLabels(ml);
    await t.trainRound({ steps: 10 });
    const p = t.predictProba(rows.subarray(0, 50 * DIM));
    for (let i = 0; i < 50; i++) {
      expect(p[i * K + 3]).toBeCloseTo(0.5, 6);
    }
    expect(() => t.setLabels([{ row: 1, classIndex: 0 }])).toThrow(/multi-label \(use classIndices\)/);
    t.dispose();
  }, 30000);

  it('leaks no tensors over training rounds and predictions', async () => {
    const { rows, labels } = data();
    const t = makeTrainer('joint');
    t.setPool(rows);
    t.setLabels(fewLabels(labels, 2));
    await t.trainRound({ steps: 2 }); // first round allocates the drift term's reference and Adam's moments
    const before = tf.memory().numTensors;
    await t.trainRound({ steps: 3 });
    t.predictProba(rows.subarray(0, 10 * DIM));
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  }, 30000);
});
