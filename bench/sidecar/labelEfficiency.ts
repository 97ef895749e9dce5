/**
 * Label efficiency on real data: Fashion-MNIST (Debian's dataset-fashion-mnist), driven in-process through
 * SessionManager/LabelingSession with a simulated annotator (relevant = same class), the "mlp" model.
 *
 * Per seed: a pool of POOL train images (a seeded subset, kept in file order, so "sequential" is dataset
 * order) as 784-d vectors in [0, 1]; TEST held-out t10k images. After 10/25/50 answers the pool and the
 * test images are embedded like `model/embed` does, and scored: kNN accuracy (k = 10, test → pool) and
 * mAP@10 (test queries retrieving pool items, relevant = same class). Orders: active vs sequential vs
 * random, same budget, same seeds. Mean ± sd over seeds, and per-seed wins of active.
 *
 * Usage: node bench/run.cjs bench/sidecar/labelEfficiency.ts [--seeds 3] [--pool 2000] [--test 1000]
 *          [--orders active,sequential,random] [--label name]
 *   TUNING='{"diversityFloor":0.1}'  merges into ACTIVE_TUNING (strategy variants);
 *   CONFIG='{"epochs":3}'            merges into every session config (training variants).
 */
import { gunzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionConfig } from '../../src/protocol/messages';
import { Rng } from '../../src/sidecar/engine/training/random';
import { InMemoryLabelStore } from '../../src/sidecar/sessions/labelStore';
import { LabelingSession } from '../../src/sidecar/sessions/labelingSession';
import { ACTIVE_TUNING } from '../../src/sidecar/sessions/querySelector';
import { SessionManager } from '../../src/sidecar/sessions/sessionManager';
import { vectorsChunk } from '../../src/sidecar/testing/arrowChunks';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const SEEDS = Number(opt('seeds', '3'));
const POOL = Number(opt('pool', '2000'));
const TEST = Number(opt('test', '1000'));
const ORDERS = opt('orders', 'active,sequential,random').split(',') as ('active' | 'sequential' | 'random')[];
const CHECKPOINTS = opt('checkpoints', '10,25,50').split(',').map(Number);
const LABEL = opt('label', 'latest');
const DATA = '/usr/share/datasets/fashion-mnist';
const DIM = 784;
const K = 10;

Object.assign(ACTIVE_TUNING, JSON.parse(process.env.TUNING ?? '{}'));
const CONFIG_EXTRA = JSON.parse(process.env.CONFIG ?? '{}') as Partial<SessionConfig>;

function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const bytes = gunzipSync(readFileSync(join(DATA, file)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndim = bytes[3];
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * ndim) };
}

function loadSplit(kind: 'train' | 't10k') {
  const images = readIdx(`${kind}-images-idx3-ubyte.gz`);
  const labels = readIdx(`${kind}-labels-idx1-ubyte.gz`);
  return { n: images.dims[0], pixels: images.data, labels: labels.data };
}

/** `count` distinct indices below `n`, in increasing (file) order. */
function subset(n: number, count: number, rng: Rng): number[] {
  const chosen = new Set<number>();
  while (chosen.size < count) {
    chosen.add(rng.int(n));
  }
  return [...chosen].sort((a, b) => a - b);
}

function take(split: ReturnType<typeof loadSplit>, rows: number[]) {
  const out = new Float32Array(rows.length * DIM);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    for (let d = 0; d < DIM; d++) {
      out[i * DIM + d] = split.pixels[row * DIM + d] / 255;
    }
    labels[i] = split.labels[row];
  });
  return { rows: out, labels };
}

function normalized(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors);
  for (let i = 0; i < out.length / dim; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      s += out[i * dim + d] ** 2;
    }
    const n = Math.sqrt(s) || 1;
    for (let d = 0; d < dim; d++) {
      out[i * dim + d] /= n;
    }
  }
  return out;
}

/** kNN accuracy (k = K, majority, ties to the nearer) and mAP@K of test rows retrieving pool rows by cosine. */
export function retrievalScores(
  pool: Float32Array,
  poolLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  dim: number
): { knn: number; map: number } {
  const p = normalized(pool, dim);
  const t = normalized(test, dim);
  const nPool = poolLabels.length;
  let correct = 0;
  let apSum = 0;
  const scores = new Float32Array(nPool);
  for (let q = 0; q < testLabels.length; q++) {
    for (let r = 0; r < nPool; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        s += t[q * dim + d] * p[r * dim + d];
      }
      scores[r] = s;
    }
    const top = Array.from(scores.keys())
      .sort((a, b) => scores[b] - scores[a])
      .slice(0, K);
    const votes = new Map<number, number>();
    top.forEach((r, rank) => votes.set(poolLabels[r], (votes.get(poolLabels[r]) ?? 0) + 1 + (K - rank) * 1e-6));
    const predicted = [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
    correct += predicted === testLabels[q] ? 1 : 0;
    let hits = 0;
    let precisionSum = 0;
    top.forEach((r, rank) => {
      if (poolLabels[r] === testLabels[q]) {
        hits++;
        precisionSum += hits / (rank + 1);
      }
    });
    apSum += hits > 0 ? precisionSum / hits : 0;
  }
  return { knn: correct / testLabels.length, map: apSum / testLabels.length };
}

async function evaluate(
  session: LabelingSession,
  pool: { rows: Float32Array; labels: Int32Array },
  test: { rows: Float32Array; labels: Int32Array }
) {
  await session.waitForModel(undefined, 120_000);
  const ref = await session.embed(vectorsChunk(pool.rows, DIM));
  const probe = await session.embed(vectorsChunk(test.rows, DIM, pool.labels.length));
  return {
    ...retrievalScores(ref.vectors, pool.labels, probe.vectors, test.labels, ref.dim),
    version: ref.modelVersion
  };
}

type Point = { answers: number; knn: number; map: number; version: number };

async function run(
  order: 'active' | 'sequential' | 'random',
  seed: number,
  train: ReturnType<typeof loadSplit>,
  t10k: ReturnType<typeof loadSplit>
) {
  const rng = new Rng(1000 + seed);
  const pool = take(train, subset(train.n, POOL, rng));
  const test = take(t10k, subset(t10k.n, TEST, rng));
  const manager = new SessionManager(new InMemoryLabelStore(), {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined
  });
  const session = await manager.createReady({
    name: `fmnist-${order}-${seed}`,
    task: 'similarity',
    model: 'mlp',
    contentType: 'vector',
    inputShape: [DIM],
    topK: 10,
    seed,
    queryOrder: order,
    ...CONFIG_EXTRA
  });
  session.appendItems({ chunkIndex: 0, totalItems: POOL, isLast: true, payload: vectorsChunk(pool.rows, DIM) });
  await session.settled();
  const points: Point[] = [{ answers: 0, ...(await evaluate(session, pool, test)) }];
  const strategies: Record<string, number> = {};
  let positives = 0;
  let candidates = 0;
  for (let answered = 0; answered < Math.max(...CHECKPOINTS);) {
    const [question] = await session.serveQuestions('annotator', 1);
    if (question === undefined) {
      break;
    }
    strategies[question.strategy ?? '?'] = (strategies[question.strategy ?? '?'] ?? 0) + 1;
    const cls = pool.labels[question.query.index];
    const relevant = question.candidates.filter(c => pool.labels[c.index] === cls).map(c => c.id);
    positives += relevant.length;
    candidates += question.candidates.length;
    session.answer('annotator', { questionId: question.id, answerId: `a${answered}`, relevant, ignore: false });
    answered++;
    // Human pace: the next question comes once the model caught up (as in the tests' annotator).
    await session.waitForModel(undefined, 120_000);
    if (CHECKPOINTS.includes(answered)) {
      points.push({ answers: answered, ...(await evaluate(session, pool, test)) });
    }
  }
  manager.closeAll();
  return { order, seed, points, strategies, positiveShare: positives / Math.max(1, candidates) };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map(x => (x - mean(xs)) ** 2)));
const fmt = (xs: number[]) => `${mean(xs).toFixed(3)} ± ${sd(xs).toFixed(3)}`;

async function main(): Promise<void> {
  const train = loadSplit('train');
  const t10k = loadSplit('t10k');
  const started = performance.now();
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const order of ORDERS) {
      const result = await run(order, seed, train, t10k);
      runs.push(result);
      console.error(JSON.stringify({ order, seed, points: result.points, strategies: result.strategies }));
    }
  }
  const table: Record<string, Record<string, { knn: string; map: string }>> = {};
  const summary: Record<string, unknown> = {};
  for (const answers of [0, ...CHECKPOINTS]) {
    const row: Record<string, { knn: string; map: string }> = {};
    const at = (order: string, metric: 'knn' | 'map') =>
      runs.filter(r => r.order === order).map(r => r.points.find(p => p.answers === answers)?.[metric] ?? NaN);
    for (const order of ORDERS) {
      row[order] = { knn: fmt(at(order, 'knn')), map: fmt(at(order, 'map')) };
    }
    table[`${answers} answers`] = row;
    for (const rival of ORDERS.filter(o => o !== 'active')) {
      if (ORDERS.includes('active')) {
        const a = at('active', 'knn');
        const b = at(rival, 'knn');
        const am = at('active', 'map');
        const bm = at(rival, 'map');
        summary[`${answers}: active vs ${rival}`] = {
          knnDelta: +(mean(a) - mean(b)).toFixed(4),
          mapDelta: +(mean(am) - mean(bm)).toFixed(4),
          knnSeedsWon: `${a.filter((x, i) => x > b[i]).length}/${a.length}`,
          mapSeedsWon: `${am.filter((x, i) => x > bm[i]).length}/${am.length}`
        };
      }
    }
  }
  const result = {
    label: LABEL,
    data: `Fashion-MNIST: pool ${POOL} train images, ${TEST} held-out t10k images, 784-d in [0,1]`,
    model: 'mlp',
    metrics: `kNN accuracy (k=${K}) and mAP@${K}, test → pool, cosine of the session model's embeddings`,
    seeds: SEEDS,
    tuning: { ...ACTIVE_TUNING },
    config: CONFIG_EXTRA,
    minutes: +((performance.now() - started) / 60000).toFixed(1),
    table,
    summary,
    strategies: Object.fromEntries(runs.filter(r => r.seed === 1).map(r => [r.order, r.strategies])),
    positiveShare: Object.fromEntries(
      ORDERS.map(o => [o, +mean(runs.filter(r => r.order === o).map(r => r.positiveShare)).toFixed(3)])
    ),
    runs: runs.map(r => ({ order: r.order, seed: r.seed, points: r.points }))
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `label-efficiency-${LABEL}.json`), `${text}\n`);
}

void main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  }
);
