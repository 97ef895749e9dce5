import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { TrainerClient } from './trainerClient';
import { Rng } from './random';
import type { TrainProgress } from './pairwiseTrainer';

/**
 * Real thread boundary: the worker runs trainerWorker.ts through tsWorkerBootstrap.js, which transpiles
 * TypeScript on require with typescript.transpileModule.
 */
function spawn(): TrainerClient {
  return new TrainerClient(
    new Worker(path.join(__dirname, 'tsWorkerBootstrap.js'), {
      workerData: { tsEntry: path.join(__dirname, 'trainerWorker.ts') }
    })
  );
}

function rows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
}

describe('trainer worker round trip', () => {
  let client: TrainerClient;
  let tmp: string;
  beforeAll(() => {
    client = spawn();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-engine-worker-'));
  });
  afterAll(async () => {
    await client.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('init, setLabels, train with progress, embed, embedPool, save, weights', async () => {
    const pool = rows(30, 8, 1);
    const poolCopy = pool.slice();
    const info = await client.init({
      backend: { preferred: 'wasm' },
      model: { kind: 'mlp', inputDim: 8, hiddenDims: [16], outputDim: 4, seed: 1 },
      trainer: { loss: 'infonce', seed: 2 },
      pool
    });
    expect(info.backend.name).toBe('wasm');
    expect(info.outputDim).toBe(4);
    expect(pool.length).toBe(0); // transferred
    await client.setLabels([
      { query: 0, candidate: 1, relevant: true },
      { query: 2, candidate: 3, relevant: true },
      { query: 2, candidate: 4, relevant: false }
    ]);
    const progress: TrainProgress[] = [];
    const r = await client.train({ epochs: 2, batchSize: 1 }, p => progress.push(p));
    expect(r.steps).toBe(4);
    expect(r.modelVersion).toBe(1);
    expect(progress.length).toBe(4);
    const e = await client.embed(poolCopy.slice(0, 16));
    expect(e.length).toBe(8);
    const chunks: number[] = [];
    const all = new Float32Array(30 * 4);
    await client.embedPool({ chunkRows: 10 }, (start, v) => {
      chunks.push(start);
      all.set(v, start * 4);
    });
    expect(chunks).toEqual([0, 10, 20]);
    for (let i = 0; i < 8; i++) {
      expect(all[i]).toBeCloseTo(e[i], 5);
    }
    const saved = await client.save(path.join(tmp, 'm'));
    expect(saved.modelVersion).toBe(1);
    expect(fs.existsSync(path.join(tmp, 'm', 'weights.bin'))).toBe(true);
    const w = await client.weights();
    expect(w.weightData.byteLength).toBe((8 * 16 + 16 + 16 * 4 + 4) * 4);
  }, 30000);

  it('reports errors with their kind and keeps serving', async () => {
    const bad = new Float32Array(16).fill(1);
    bad[9] = NaN;
    await expect(client.embed(bad)).rejects.toMatchObject({
      kind: 'bad_data',
      message: expect.stringMatching(/row 1/)
    });
    await expect(client.setLabels([{ query: 0, candidate: 1000, relevant: true }])).rejects.toThrow(
      /not a row of the pool/
    );
    const e = await client.embed(new Float32Array(8));
    expect(e.length).toBe(4);
  }, 30000);

  it('cancel stops a round between steps', async () => {
    await client.setLabels(Array.from({ length: 20 }, (_, i) => ({ query: i, candidate: i + 1, relevant: true })));
    let id = -1;
    const done = client.train({ epochs: 50, batchSize: 1 }, undefined, reqId => {
      id = reqId;
    });
    await client.cancel(id);
    const r = await done;
    expect(r.stopped).toBe(true);
    expect(r.steps).toBeLessThan(1000);
  }, 30000);

  it("takes the model spec's trainer options as defaults under the set ones", async () => {
    const model = { kind: 'mlp' as const, inputDim: 8, outputDim: 4, seed: 1, trainer: { anchorWeight: -1 } };
    await expect(client.init({ backend: { preferred: 'wasm' }, model })).rejects.toMatchObject({
      kind: 'bad_config',
      message: expect.stringMatching(/anchorWeight/)
    });
    const info = await client.init({
      backend: { preferred: 'wasm' },
      model,
      trainer: { anchorWeight: 0, loss: undefined },
      pool: rows(10, 8, 3)
    });
    expect(info.outputDim).toBe(4);
  }, 30000);

  it('anchors a restored model to the restored weights, not to a fresh one', async () => {
    const backend = { preferred: 'wasm' as const };
    const model = { kind: 'mlp' as const, inputDim: 8, hiddenDims: [16], outputDim: 4, seed: 1 };
    const pool = rows(40, 8, 5);
    const labels = Array.from({ length: 8 }, (_, i) => ({ query: i, candidate: 39 - i, relevant: true }));
    const trainRounds = async (n: number) => {
      await client.setLabels(labels);
      for (let i = 0; i < n; i++) {
        await client.train({ epochs: 2, batchSize: 4 });
      }
    };
    await client.init({ backend, model, trainer: { seed: 2, learningRate: 0.01 }, pool: pool.slice() });
    await trainRounds(5);
    await client.save(path.join(tmp, 'restored'));
    const restored = await client.embed(pool.slice());
    /** Mean 1 − cos to the restored model's embeddings, over the rows no label names. */
    const drift = (v: Float32Array) => {
      let sum = 0;
      for (let row = 8; row < 32; row++) {
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let j = 0; j < 4; j++) {
          dot += v[row * 4 + j] * restored[row * 4 + j];
          na += v[row * 4 + j] ** 2;
          nb += restored[row * 4 + j] ** 2;
        }
        sum += 1 - dot / Math.sqrt(na * nb);
      }
      return sum / 24;
    };
    const drifts: number[] = [];
    for (const anchorWeight of [0, 5]) {
      const info = await client.init({
        backend,
        model: { ...model, trainer: { anchorWeight } },
        trainer: { seed: 2, learningRate: 0.01 },
        pool: pool.slice(),
        initialWeights: path.join(tmp, 'restored', 'model.json')
      });
      expect(info.modelVersion).toBe(0);
      expect(drift(await client.embed(pool.slice()))).toBeCloseTo(0, 5);
      await trainRounds(10);
      drifts.push(drift(await client.embed(pool.slice())));
    }
    expect(drifts[0]).toBeGreaterThan(0.01);
    expect(drifts[1]).toBeLessThan(drifts[0] / 2);
  }, 60000);
});
