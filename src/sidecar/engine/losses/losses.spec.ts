import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { anchorLoss, cosineSiameseLoss, multipleNegativesRankingLoss, tripletLoss } from './index';

/** A 2-D tensor from its rows: t2([1, 0], [0, 1]). */
const t2 = (...rows: number[][]) => tf.tensor2d(rows);

describe('losses', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
  });

  it('triplet loss (cosine) matches hand-computed values', () => {
    // cos(a,p)=1 → d=0; cos(a,n)=0 → d=1: relu(0-1+0.2)=0. Second: cos(a,p)=0 → d=1, cos(a,n)=1 → d=0: relu(1+0.2)=1.2
    const loss = tripletLoss(t2([1, 0], [1, 0]), t2([2, 0], [0, 1]), t2([0, 3], [1, 0]), 0.2);
    expect(loss.dataSync()[0]).toBeCloseTo((0 + 1.2) / 2, 5);
  });

  it('triplet loss (euclidean) matches hand-computed values', () => {
    // d(a,p)=1, d(a,n)=2 → relu(1-2+1.5)=0.5
    const loss = tripletLoss(t2([0, 0]), t2([1, 0]), t2([0, 2]), 1.5, 'euclidean');
    expect(loss.dataSync()[0]).toBeCloseTo(0.5, 4);
  });

  it('multiple-negatives ranking loss matches a hand computation', () => {
    const a = t2([1, 0], [0, 1]);
    const p = t2([1, 0], [0.6, 0.8]);
    const scale = 2;
    // logits row0: [2*1, 2*0.6] ; row1: [2*0, 2*0.8]
    const ce = (l: number[], i: number) => Math.log(l.reduce((s, x) => s + Math.exp(x), 0)) - l[i];
    const expected = (ce([2, 1.2], 0) + ce([0, 1.6], 1)) / 2;
    expect(multipleNegativesRankingLoss(a, p, { scale }).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('multiple-negatives ranking loss uses hard negatives and the mask', () => {
    const a = t2([1, 0], [0, 1]);
    const p = t2([1, 0], [0.6, 0.8]);
    const h = t2([0, -1]);
    const ce = (l: number[], i: number) => Math.log(l.reduce((s, x) => s + Math.exp(x), 0)) - l[i];
    const withHard = (ce([1, 0.6, 0], 0) + ce([0, 0.8, -1], 1)) / 2;
    expect(multipleNegativesRankingLoss(a, p, { scale: 1, hardNegatives: h }).dataSync()[0]).toBeCloseTo(withHard, 5);
    // mask out candidate 0 for anchor 1 and the hard negative for anchor 0
    const mask = t2([1, 1, 0], [0, 1, 1]);
    const masked = (ce([1, 0.6], 0) + ce([0.8, -1], 0)) / 2;
    expect(multipleNegativesRankingLoss(a, p, { scale: 1, hardNegatives: h, mask }).dataSync()[0]).toBeCloseTo(
      masked,
      5
    );
  });

  it('symmetric InfoNCE averages both directions', () => {
    const a = t2([1, 0], [0, 1]);
    const p = t2([1, 0], [0.6, 0.8]);
    const ce = (l: number[], i: number) => Math.log(l.reduce((s, x) => s + Math.exp(x), 0)) - l[i];
    const fwd = (ce([1, 0.6], 0) + ce([0, 0.8], 1)) / 2;
    const bwd = (ce([1, 0], 0) + ce([0.6, 0.8], 1)) / 2;
    const got = multipleNegativesRankingLoss(a, p, { scale: 1, symmetric: true }).dataSync()[0];
    expect(got).toBeCloseTo((fwd + bwd) / 2, 5);
  });

  it('cosine siamese loss matches hand-computed values', () => {
    // pair0 similar, cos=0.6 → d=0.4 → 0.16; pair1 dissimilar, cos=0.8 → d=0.2, margin 0.5 → (0.3)^2=0.09
    const loss = cosineSiameseLoss(t2([1, 0], [1, 0]), t2([0.6, 0.8], [0.8, 0.6]), tf.tensor1d([1, 0]), 0.5);
    expect(loss.dataSync()[0]).toBeCloseTo(0.5 * ((0.16 + 0.09) / 2), 5);
  });

  it('anchor loss is mean(1 − cos) to the targets, zero when nothing drifted', () => {
    // row0: cos = 1 (scale does not matter) → 0; row1: cos((1,0), (0.6,0.8)) = 0.6 → 0.4
    const [current, targets] = [t2([2, 0], [1, 0]), t2([1, 0], [0.6, 0.8])];
    const tensors = tf.memory().numTensors;
    const loss = anchorLoss(current, targets);
    expect(tf.memory().numTensors).toBe(tensors + 1); // only the result outlives the call
    expect(loss.dataSync()[0]).toBeCloseTo(0.4 / 2, 5);
    const target = t2([0.6, 0.8], [0, 1]);
    expect(anchorLoss(target, target).dataSync()[0]).toBeCloseTo(0, 5);
  });

  it("anchor loss's gradient pulls a drifted embedding back toward its target", () => {
    const target = t2([0, 1], [1, 0]);
    let x = t2([1, 0.2], [0.3, -1]);
    const cos = (v: tf.Tensor2D) => {
      const a = v.arraySync();
      const b = target.arraySync();
      return a.map((r, i) => (r[0] * b[i][0] + r[1] * b[i][1]) / Math.hypot(r[0], r[1]));
    };
    const start = cos(x);
    const grad = tf.grad((v: tf.Tensor) => anchorLoss(v as tf.Tensor2D, target));
    for (let step = 0; step < 50; step++) {
      x = tf.sub(x, tf.mul(grad(x), 0.5)) as tf.Tensor2D;
    }
    const end = cos(x);
    end.forEach((c, i) => {
      expect(c).toBeGreaterThan(start[i] + 0.5);
      expect(c).toBeGreaterThan(0.95);
    });
  });

  it('losses have finite gradients', () => {
    const a = tf.randomNormal([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([4, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const c = tf.randomNormal([4, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
    const grads = [
      tf.grad((x: tf.Tensor) => tripletLoss(x as tf.Tensor2D, b, c, 0.5))(a),
      tf.grad((x: tf.Tensor) => multipleNegativesRankingLoss(x as tf.Tensor2D, b))(a),
      tf.grad((x: tf.Tensor) => cosineSiameseLoss(x as tf.Tensor2D, b, tf.tensor1d([1, 0, 1, 0])))(a),
      tf.grad((x: tf.Tensor) => anchorLoss(x as tf.Tensor2D, b))(a)
    ];
    for (const g of grads) {
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    }
  });
});
