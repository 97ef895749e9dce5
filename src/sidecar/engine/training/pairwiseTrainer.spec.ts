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
import { PairLabel, PairwiseTrainer } from './pairwiseTrainer';
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

  function makeTrainer(loss: 'infonce' | 'triplet' | 'cosine' = 'infonce') {
    const t = new PairwiseTrainer(createMlpEncoder({ inputDim: 6, hiddenDims: [8], outputDim: 4, seed: 1 }), {
      loss,
      seed: 3
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
