import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import {
  createCnnEncoder,
  createHashedTextEncoder,
  createMlpEncoder,
  featurizeTexts,
  loadLayersModel
} from '../models';
import { PairLabel, PairwiseTrainer, TrainerOptions, withTrainerDefaults } from './pairwiseTrainer';
import { Rng } from './random';
import { knnAccuracy, makeClusteredData } from './synthetic';

function randomRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

describe('PairwiseTrainer', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-engine-trainer-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const labels: PairLabel[] = [
    { query: 0, candidate: 1, relevant: true },
    { query: 0, candidate: 2, relevant: false },
    { query: 3, candidate: 4, relevant: true },
    { query: 3, candidate: 5, relevant: false },
    { query: 6, candidate: 7, relevant: true }
  ];

  function makeTrainer(loss: 'infonce' | 'triplet' | 'cosine' = 'infonce', options: TrainerOptions = {}) {
    const t = new PairwiseTrainer(createMlpEncoder({ inputDim: 6, hiddenDims: [8], outputDim: 4, seed: 1 }), {
      loss,
      seed: 3,
      ...options
    });
    t.setPool(randomRows(20, 6, 9));
    return t;
  }

  for (const loss of ['infonce', 'triplet', 'cosine'] as const) {
    it(`trains a round with ${loss} loss and bumps the model version`, async () => {
      const t = makeTrainer(loss);
      t.setLabels(labels);
      const r = await t.trainRound({ epochs: 2, batchSize: 2 });
      expect(r.lossUsed).toBe(loss);
      expect(r.steps).toBeGreaterThan(0);
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.modelVersion).toBe(1);
      t.dispose();
    });
  }

  it('keeps one optimizer across rounds (Adam step count accumulates)', async () => {
    const t = makeTrainer();
    t.setLabels(labels);
    const r1 = await t.trainRound({ epochs: 1, batchSize: 2 });
    const r2 = await t.trainRound({ epochs: 2, batchSize: 2, learningRate: 5e-4 });
    expect(t.optimizerSteps).toBe(r1.steps + r2.steps);
    expect(t.learningRate).toBe(5e-4);
    expect(r2.modelVersion).toBe(2);
    t.dispose();
  });

  it('starts a new optimizer every round when asked (the Finetuner baseline), keeping the learning rate', async () => {
    const t = makeTrainer('infonce', { optimizerPerRound: true, learningRate: 2e-3 });
    t.setLabels(labels);
    const r1 = await t.trainRound({ epochs: 2, batchSize: 2 });
    const r2 = await t.trainRound({ epochs: 1, batchSize: 2 });
    expect(r1.steps).toBeGreaterThan(r2.steps);
    // Adam's step count holds only this round's steps: the moments started again.
    expect(t.optimizerSteps).toBe(r2.steps);
    expect(t.learningRate).toBe(2e-3);
    expect(r2.modelVersion).toBe(2);
    t.dispose();
  });

  it('skips a round with no labels, and falls back when there are no positives', async () => {
    const t = makeTrainer('triplet');
    const r0 = await t.trainRound();
    expect(r0.skipped).toMatch(/no labels/);
    expect(r0.modelVersion).toBe(0);
    t.setLabels([
      { query: 0, candidate: 1, relevant: false },
      { query: 0, candidate: 2, relevant: false }
    ]);
    const r1 = await t.trainRound({ epochs: 1 });
    expect(r1.lossUsed).toBe('cosine');
    expect(r1.note).toMatch(/no relevant answers/);
    expect(r1.steps).toBe(1);
    t.dispose();
  });

  it('triplet loss without negatives uses random pool negatives instead of crashing', async () => {
    const t = makeTrainer('triplet');
    t.setLabels([{ query: 0, candidate: 1, relevant: true }]);
    const r = await t.trainRound();
    expect(r.lossUsed).toBe('triplet');
    expect(r.note).toMatch(/random pool items/);
    expect(r.steps).toBe(1);
    t.dispose();
  });

  it('the latest answer about a pair wins and undone answers are simply absent', async () => {
    const t = makeTrainer('cosine');
    t.setLabels([
      { query: 0, candidate: 1, relevant: true },
      { query: 0, candidate: 1, relevant: false }
    ]);
    const r = await t.trainRound();
    expect(r.examples).toBe(1);
    t.dispose();
  });

  it('rejects bad input with clear errors', () => {
    const t = makeTrainer();
    const bad = randomRows(5, 6, 1);
    bad[3 * 6 + 2] = NaN;
    expect(() => t.setPool(bad)).toThrow(/pool row 3 has a non-finite value \(NaN\) at column 2/);
    bad[3 * 6 + 2] = Infinity;
    expect(() => t.embed(bad)).toThrow(/input row 3 has a non-finite value \(Infinity\)/);
    expect(() => t.embed(new Float32Array(7))).toThrow(/expects rows of 6 values \(input shape \[6\]\)/);
    expect(() => t.setLabels([{ query: 0, candidate: 99, relevant: true }])).toThrow(/candidate 99 is not a row/);
    expect(
      () => new PairwiseTrainer(createMlpEncoder({ inputDim: 3, outputDim: 2 }), { loss: 'x' as 'cosine' })
    ).toThrow(/unknown loss/);
    t.dispose();
  });

  it('embeds in batches without leaking tensors', async () => {
    const t = makeTrainer();
    t.setLabels(labels);
    await t.trainRound();
    const rows = randomRows(37, 6, 4);
    t.embed(rows, 8); // warm-up
    const before = tf.memory().numTensors;
    const a = t.embed(rows, 8);
    const b = t.embed(rows, 100);
    await t.trainRound({ epochs: 1 });
    const chunks: number[] = [];
    const pool = await t.embedPool({ batchSize: 7, chunkRows: 8 }, start => chunks.push(start));
    expect(tf.memory().numTensors).toBe(before);
    expect(a.length).toBe(37 * 4);
    for (let i = 0; i < a.length; i++) {
      expect(a[i]).toBeCloseTo(b[i], 5);
    }
    expect(pool.length).toBe(20 * 4);
    expect(chunks).toEqual([0, 8, 16]);
    t.dispose();
  });

  it('saves model.json + weights.bin that load back to the same embeddings', async () => {
    const t = makeTrainer();
    t.setLabels(labels);
    await t.trainRound({ epochs: 2, batchSize: 2 });
    const dir = path.join(tmp, 'saved');
    await t.save(dir);
    const loaded = await loadLayersModel(dir);
    const t2 = new PairwiseTrainer(loaded);
    const rows = randomRows(5, 6, 11);
    expect(Array.from(t2.embed(rows))).toEqual(Array.from(t.embed(rows)));
    const art = await t.weights();
    expect((art.weightData as ArrayBuffer).byteLength).toBeGreaterThan(0);
    t.dispose();
    t2.dispose();
  });

  it('fills unset trainer options from defaults (a model spec’s), set ones win', () => {
    expect(withTrainerDefaults({ loss: 'cosine', margin: undefined }, { margin: 0.3, anchorWeight: 1 })).toEqual({
      loss: 'cosine',
      margin: 0.3,
      anchorWeight: 1
    });
    expect(withTrainerDefaults({ anchorWeight: 0 }, { anchorWeight: 1 })).toEqual({ anchorWeight: 0 });
    expect(withTrainerDefaults(undefined, undefined)).toEqual({});
  });

  describe('anchor term (distillation from the starting model)', () => {
    const dim = 6;
    const pool = randomRows(40, dim, 21);
    /** Mean 1 − cos between two row-major sets of embeddings, over rows `from` on. */
    function drift(a: Float32Array, b: Float32Array, d: number, from = 0): number {
      let sum = 0;
      const n = a.length / d;
      for (let i = from; i < n; i++) {
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let j = 0; j < d; j++) {
          dot += a[i * d + j] * b[i * d + j];
          na += a[i * d + j] ** 2;
          nb += b[i * d + j] ** 2;
        }
        sum += 1 - dot / Math.sqrt(na * nb);
      }
      return sum / (n - from);
    }
    const anchored = (anchorWeight: number) => {
      const t = new PairwiseTrainer(createMlpEncoder({ inputDim: dim, hiddenDims: [16], outputDim: 4, seed: 1 }), {
        loss: 'cosine',
        learningRate: 0.01,
        anchorWeight,
        anchorSamples: 16,
        seed: 3
      });
      t.setPool(pool);
      return t;
    };
    /** Moves every weight by noise, as if earlier rounds had drifted the model. */
    const perturb = (t: PairwiseTrainer) =>
      t.model.setWeights(
        t.model.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.15, 'float32', i + 1)))
      );

    it('pulls a drifted model back toward its starting embeddings', async () => {
      const results: Record<string, { before: number; after: number }> = {};
      for (const weight of [0, 5]) {
        const t = anchored(weight);
        const v0 = await t.embedPool();
        perturb(t);
        const before = drift(t.embed(pool), v0, 4, 2);
        t.setLabels([{ query: 0, candidate: 1, relevant: true }]);
        for (let round = 0; round < 30; round++) {
          await t.trainRound({ epochs: 1 });
        }
        results[weight] = { before, after: drift(t.embed(pool), v0, 4, 2) };
        t.dispose();
      }
      expect(results[5].before).toBeGreaterThan(0.1);
      expect(results[0].before).toBeCloseTo(results[5].before, 5);
      expect(results[5].after).toBeLessThan(results[5].before / 3);
      expect(results[0].after).toBeGreaterThan(results[0].before * 0.7);
    });

    it('keeps unlabeled rows nearer their version-0 embeddings than training without it', async () => {
      const labelsHere: PairLabel[] = [
        { query: 0, candidate: 1, relevant: true },
        { query: 0, candidate: 2, relevant: false },
        { query: 3, candidate: 4, relevant: true },
        { query: 3, candidate: 0, relevant: false }
      ];
      const drifts: number[] = [];
      for (const weight of [0, 2]) {
        const t = anchored(weight);
        const v0 = t.embed(pool);
        t.setLabels(labelsHere);
        for (let round = 0; round < 10; round++) {
          await t.trainRound({ epochs: 2 });
        }
        drifts.push(drift(t.embed(pool), v0, 4, 5));
        t.dispose();
      }
      expect(drifts[1]).toBeLessThan(drifts[0] / 2);
    });

    it('embeds rows appended after training with the starting weights, then restores the trained ones', async () => {
      const t = anchored(1);
      const fresh = new PairwiseTrainer(createMlpEncoder({ inputDim: dim, hiddenDims: [16], outputDim: 4, seed: 1 }));
      t.setLabels([{ query: 0, candidate: 1, relevant: true }]);
      await t.trainRound({ epochs: 3 });
      const appended = randomRows(5, dim, 22);
      t.appendPool(appended);
      const trained = t.embed(appended);
      const tensors = tf.memory().numTensors;
      // Stopped before the first step: the round only computes the new rows' version-0 embeddings.
      const r = await t.trainRound({ shouldStop: () => true });
      expect(r.steps).toBe(0);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(Array.from(t.embed(appended))).toEqual(Array.from(trained));
      // The pool is smaller than the reservoir: slot i holds row i.
      const targets = (t as unknown as { anchorTargets: Float32Array }).anchorTargets;
      const v0 = fresh.embed(appended);
      expect(Array.from(targets.subarray(40 * 4, 45 * 4)).map(x => +x.toFixed(5))).toEqual(
        Array.from(v0).map(x => +x.toFixed(5))
      );
      t.dispose();
      fresh.dispose();
    });

    it('keeps a bounded uniform sample of rows (a reservoir) with their starting embeddings', async () => {
      const model = () => createMlpEncoder({ inputDim: dim, hiddenDims: [16], outputDim: 4, seed: 1 });
      const t = new PairwiseTrainer(model(), { anchorWeight: 1, anchorPoolRows: 8, seed: 3 });
      const fresh = new PairwiseTrainer(model());
      t.setPool(pool);
      await t.embedPool({ chunkRows: 16 });
      t.setLabels([{ query: 0, candidate: 1, relevant: true }]);
      await t.trainRound({ epochs: 2 });
      const more = randomRows(40, dim, 23);
      t.appendPool(more);
      await t.trainRound({ epochs: 1 });
      const state = t as unknown as { anchorRowIds: Int32Array; anchorTargets: Float32Array; anchorCount: number };
      expect(state.anchorCount).toBe(8);
      expect(state.anchorTargets.length).toBe(8 * 4);
      const ids = Array.from(state.anchorRowIds);
      expect(new Set(ids).size).toBe(8);
      expect(ids.some(row => row >= 8)).toBe(true);
      const all = new Float32Array(80 * dim);
      all.set(pool);
      all.set(more, 40 * dim);
      const v0 = fresh.embed(all);
      ids.forEach((row, slot) => {
        for (let j = 0; j < 4; j++) {
          expect(state.anchorTargets[slot * 4 + j]).toBeCloseTo(v0[row * 4 + j], 5);
        }
      });
      t.dispose();
      fresh.dispose();
    });

    it('does not leak tensors and rejects a bad weight', async () => {
      const start = tf.memory().numTensors;
      const t = anchored(1);
      t.setLabels(labels);
      await t.trainRound();
      const before = tf.memory().numTensors;
      await t.trainRound({ epochs: 2, batchSize: 2 });
      // A round after training swaps the starting weights in to embed appended rows, then back.
      t.appendPool(randomRows(3, dim, 24));
      await t.trainRound({ epochs: 1, batchSize: 2 });
      expect(tf.memory().numTensors).toBe(before);
      // The starting weights' copies go with the trainer.
      t.dispose();
      expect(tf.memory().numTensors).toBe(start);
      expect(() => new PairwiseTrainer(createMlpEncoder({ inputDim: 3, outputDim: 2 }), { anchorWeight: -1 })).toThrow(
        /anchorWeight/
      );
    });
  });

  it('trains CNN and hashed-text encoders too', async () => {
    const cnn = new PairwiseTrainer(createCnnEncoder({ height: 6, width: 6, channels: 1, outputDim: 4, filters: [4] }));
    cnn.setPool(randomRows(10, 36, 2));
    cnn.setLabels(labels);
    expect((await cnn.trainRound()).steps).toBe(1);
    expect(cnn.embed(randomRows(2, 36, 3)).length).toBe(8);
    cnn.dispose();
    const text = createHashedTextEncoder({ buckets: 256, hiddenDims: [16], outputDim: 4 });
    const tt = new PairwiseTrainer(text.model, { loss: 'triplet' });
    const texts = ['red apple', 'green apple', 'blue car', 'red car', 'apple pie', 'fast car', 'apple tree', 'old car'];
    tt.setPool(featurizeTexts(texts, text.featurizer));
    tt.setLabels(labels);
    expect((await tt.trainRound()).steps).toBe(1);
    tt.dispose();
  });
});

/**
 * Learning test (can fail): clustered vectors whose class signal hides in 8 of 64 rotated dimensions;
 * a simulated annotator answers nearest-neighbour questions from the current model for a few rounds.
 * Held-out kNN accuracy must rise clearly over the untrained model.
 */
describe('PairwiseTrainer learns from a simulated annotator', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
  });

  const dim = 64;
  const nTrain = 600;
  const data = makeClusteredData({ n: 900, dim, classes: 10, noise: 1.5, separation: 2, seed: 3 });
  const train = data.rows.subarray(0, nTrain * dim);
  const test = data.rows.subarray(nTrain * dim);
  const trainLabels = data.labels.subarray(0, nTrain);
  const testLabels = data.labels.subarray(nTrain);

  async function simulate(loss: 'infonce' | 'triplet', epochs: number): Promise<{ before: number; after: number }> {
    const outDim = 32;
    const trainer = new PairwiseTrainer(
      createMlpEncoder({ inputDim: dim, hiddenDims: [64], outputDim: outDim, seed: 1 }),
      {
        loss,
        seed: 2
      }
    );
    trainer.setPool(train);
    const acc = () => knnAccuracy(trainer.embed(train), trainLabels, trainer.embed(test), testLabels, outDim);
    const before = acc();
    const rng = new Rng(5);
    const answers: PairLabel[] = [];
    for (let round = 0; round < 5; round++) {
      const emb = trainer.embed(train);
      for (let k = 0; k < 10; k++) {
        const q = rng.int(nTrain);
        const sims: [number, number][] = [];
        for (let r = 0; r < nTrain; r++) {
          if (r !== q) {
            let s = 0;
            for (let j = 0; j < outDim; j++) {
              s += emb[q * outDim + j] * emb[r * outDim + j];
            }
            sims.push([s, r]);
          }
        }
        sims.sort((a, b) => b[0] - a[0]);
        for (const [, c] of sims.slice(0, 9)) {
          answers.push({ query: q, candidate: c, relevant: trainLabels[q] === trainLabels[c] });
        }
      }
      trainer.setLabels(answers);
      await trainer.trainRound({ epochs, batchSize: 32 });
    }
    const after = acc();
    trainer.dispose();
    return { before, after };
  }

  it('InfoNCE (default) raises held-out kNN accuracy', async () => {
    const { before, after } = await simulate('infonce', 8);
    expect(after).toBeGreaterThan(before + 0.1);
  }, 30000);

  it('triplet loss raises held-out kNN accuracy', async () => {
    const { before, after } = await simulate('triplet', 2);
    expect(after).toBeGreaterThan(before + 0.1);
  }, 30000);
});
