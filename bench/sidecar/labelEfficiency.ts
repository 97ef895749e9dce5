/**
 * Label efficiency on real data, driven in-process through SessionManager/LabelingSession with a simulated
 * annotator (relevant = same class):
 *   --dataset fashion-mnist (default): Debian's dataset-fashion-mnist, 784-d vectors in [0, 1], model "mlp"
 *     (CONFIG='{"model":"cnn"}': 28×28×1 image items, model "cnn");
 *   --dataset banking77: ../shared/datasets/banking77 (train.csv pool, test.csv held out; 77 intents), texts,
 *     model "text-mlp";
 *   --dataset synthetic: sessionLearning.spec.ts's clustered vectors (32-d, 8 classes whose signal hides in 6
 *     rotated dimensions; one draw per seed, pool and held-out rows from it), model "mlp", topK 8.
 *
 * Per seed: a pool of POOL train rows (a seeded subset, kept in file order, so "sequential" is dataset
 * order); TEST held-out rows. At 0 answers and after each checkpoint the pool and the held-out rows are
 * embedded like `model/embed` does, and scored: kNN accuracy (k = 10, test → pool) and mAP@10 (test queries
 * retrieving pool items, relevant = same class). Orders (active vs sequential vs random) and training
 * variants (--variants, e.g. the old defaults vs the current ones) run on the same seeds and the same
 * draws; the summary gives mean deltas and ratios against the first variant and against the untrained
 * model, with per-seed wins. Run `--help` for the options.
 */
import { gunzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import type { SessionConfig } from '../../src/protocol/messages';
import { Rng } from '../../src/sidecar/engine/training/random';
import { makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { TEXT_MLP_TRAINER } from '../../src/sidecar/models/modelPlan';
import { LabelingSession } from '../../src/sidecar/sessions/labelingSession';
import { ACTIVE_TUNING } from '../../src/sidecar/sessions/querySelector';
import { SessionManager } from '../../src/sidecar/sessions/sessionManager';
import { SqliteLabelStore } from '../../src/sidecar/store/sqliteLabelStore';
import { imagesChunk, itemsChunk, vectorsChunk } from '../../src/sidecar/testing/arrowChunks';

const USAGE = `Usage: node bench/run.cjs bench/sidecar/labelEfficiency.ts [options]
  --dataset NAME       fashion-mnist (default, model mlp), banking77 (text-mlp) or synthetic (mlp)
  --seeds N            seeds 1..N, each its own pool/held-out draw and model seed (default 3)
  --pool N             pool rows (default 2000)
  --test N             held-out rows (default 1000)
  --orders LIST        query orders, from active,sequential,random (default all three)
  --checkpoints LIST   answer counts to score at, besides 0 (default 10,25,50)
  --variants LIST      training variants, the first being the baseline (default: new). Built in:
                         old  the defaults before the training-defaults change: loss cosine, learningRate 1e-3
                              for every model, no anchor term for text-mlp
                         new  the sidecar's current defaults, nothing overridden
  --label NAME         writes bench/results/label-efficiency-NAME.json (default latest)
  --help               this text
Environment:
  VARIANTS='{"lr1e4":{"learningRate":1e-4}}'  more variants: SessionConfig fields, plus anchorWeight (the
                                               text-mlp model's trainer default; other models have none)
  TUNING='{"diversityFloor":0.1}'             merges into ACTIVE_TUNING (strategy variants)
  CONFIG='{"epochs":3}'                       merges into every session config (all variants)
`;

// After this file's own path (bench/run.cjs passes it on).
const args = process.argv.slice(process.argv.findIndex(a => resolve(a) === __filename) + 1);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const FLAGS = ['dataset', 'seeds', 'pool', 'test', 'orders', 'checkpoints', 'variants', 'label'];
for (let i = 0; i < args.length; i += 2) {
  if (!FLAGS.includes(args[i].replace(/^--/, '')) || !args[i].startsWith('--') || args[i + 1] === undefined) {
    process.stderr.write(`unknown option or missing value: ${args[i]}\n\n${USAGE}`);
    process.exit(2);
  }
}
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
const DATASET = opt('dataset', 'fashion-mnist');
if (!['fashion-mnist', 'banking77', 'synthetic'].includes(DATASET)) {
  throw new Error(`--dataset must be fashion-mnist, banking77 or synthetic, not ${DATASET}`);
}
const DATA = '/usr/share/datasets/fashion-mnist';
const BANKING77 = join(__dirname, '..', '..', '..', 'shared', 'datasets', 'banking77');
const DIM = 784;
const K = 10;

/** A training setup: session config fields, and the text-mlp model's anchor weight (its trainer default). */
type Variant = Partial<SessionConfig> & { anchorWeight?: number };
const VARIANT_PRESETS: Record<string, Variant> = {
  old: { loss: 'cosine', learningRate: 1e-3, anchorWeight: 0 },
  new: {},
  ...(JSON.parse(process.env.VARIANTS ?? '{}') as Record<string, Variant>)
};
const VARIANTS = opt('variants', 'new').split(',');
for (const name of VARIANTS) {
  if (!(name in VARIANT_PRESETS)) {
    throw new Error(`--variants: no variant '${name}' (${Object.keys(VARIANT_PRESETS).join(', ')})`);
  }
}
/** text-mlp's own trainer default, restored for variants that do not set anchorWeight. */
const TEXT_MLP_ANCHOR = TEXT_MLP_TRAINER.anchorWeight;

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

/** One Banking77 split as texts + intent indices (classes numbered in order of first appearance in train). */
function loadTextSplit(kind: 'train' | 'test', classes: Map<string, number>): { texts: string[]; labels: number[] } {
  const file = join(BANKING77, `${kind}.csv`);
  const parsed = Papa.parse<{ text: string; category: string }>(readFileSync(file, 'utf8'), {
    header: true,
    skipEmptyLines: true
  });
  if (parsed.errors.length > 0) {
    throw new Error(`${file}: ${parsed.errors[0].message} (record ${parsed.errors[0].row})`);
  }
  for (const column of ['text', 'category']) {
    if (!parsed.meta.fields?.includes(column)) {
      throw new Error(`${file}: no '${column}' column (header: ${parsed.meta.fields?.join(',')})`);
    }
  }
  const labels = parsed.data.map(({ category }) => {
    if (!classes.has(category)) {
      classes.set(category, classes.size);
    }
    return classes.get(category) as number;
  });
  return { texts: parsed.data.map(({ text }) => text), labels };
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

async function evaluate(session: LabelingSession, pool: SeedData['pool'], test: SeedData['test']) {
  await session.waitForModel(undefined, 120_000);
  const ref = await session.embed(pool.payload);
  const probe = await session.embed(test.payload);
  return {
    ...retrievalScores(ref.vectors, pool.labels, probe.vectors, test.labels, ref.dim),
    version: ref.modelVersion
  };
}

type Point = { answers: number; knn: number; map: number; version: number };

/** One seed's pool and held-out rows: payloads as the kernel sends them, and their classes. */
interface SeedData {
  pool: { payload: Uint8Array; labels: Int32Array };
  test: { payload: Uint8Array; labels: Int32Array };
  config: Pick<SessionConfig, 'model' | 'contentType' | 'inputShape'>;
}

interface Dataset {
  describe: string;
  model: string;
  topK: number;
  draw(seed: number): SeedData;
}

/** The rows' raw pixels (the `cnn` model's image items). */
function pixelsOf(split: ReturnType<typeof loadSplit>, rows: number[]): Uint8Array {
  const out = new Uint8Array(rows.length * DIM);
  rows.forEach((row, i) => out.set(split.pixels.subarray(row * DIM, (row + 1) * DIM), i * DIM));
  return out;
}

/** `cnn`: the images as 28×28×1 image items; otherwise (`mlp`) as 784-d vectors in [0, 1]. */
function fashionMnist(model: string): Dataset {
  const train = loadSplit('train');
  const t10k = loadSplit('t10k');
  const images = model === 'cnn';
  return {
    describe: `Fashion-MNIST: pool ${POOL} train images, ${TEST} held-out t10k images, ${images ? '28×28×1 images' : '784-d in [0,1]'}`,
    model: images ? 'cnn' : 'mlp',
    topK: 10,
    draw(seed) {
      const rng = new Rng(1000 + seed);
      const poolRows = subset(train.n, POOL, rng);
      const testRows = subset(t10k.n, TEST, rng);
      const pool = take(train, poolRows);
      const test = take(t10k, testRows);
      if (images) {
        return {
          pool: { payload: imagesChunk(pixelsOf(train, poolRows), DIM), labels: pool.labels },
          test: { payload: imagesChunk(pixelsOf(t10k, testRows), DIM, POOL), labels: test.labels },
          config: { model: 'cnn', contentType: 'image', inputShape: [28, 28, 1] }
        };
      }
      return {
        pool: { payload: vectorsChunk(pool.rows, DIM), labels: pool.labels },
        test: { payload: vectorsChunk(test.rows, DIM, POOL), labels: test.labels },
        config: { model: 'mlp', contentType: 'vector', inputShape: [DIM] }
      };
    }
  };
}

function banking77(): Dataset {
  const classes = new Map<string, number>();
  const train = loadTextSplit('train', classes);
  const test = loadTextSplit('test', classes);
  const pick = (split: { texts: string[]; labels: number[] }, rows: number[], first: number) => ({
    payload: itemsChunk(
      rows.map(r => split.texts[r]),
      first
    ),
    labels: Int32Array.from(rows.map(r => split.labels[r]))
  });
  return {
    describe: `Banking77: pool ${POOL} train.csv questions, ${TEST} held-out test.csv questions, ${classes.size} intents`,
    model: 'text-mlp',
    topK: 10,
    draw(seed) {
      const rng = new Rng(1000 + seed);
      return {
        pool: pick(train, subset(train.texts.length, POOL, rng), 0),
        test: pick(test, subset(test.texts.length, TEST, rng), POOL),
        config: { model: 'text-mlp', contentType: 'text' }
      };
    }
  };
}

function synthetic(): Dataset {
  const dim = 32;
  return {
    describe: `synthetic clustered vectors (sessionLearning.spec.ts): pool ${POOL}, ${TEST} held out, ${dim}-d, 8 classes`,
    model: 'mlp',
    topK: 8,
    draw(seed) {
      const data = makeClusteredData({ n: POOL + TEST, dim, classes: 8, signalDim: 6, noise: 1.5, seed: 10 + seed });
      return {
        pool: { payload: vectorsChunk(data.rows.slice(0, POOL * dim), dim), labels: data.labels.slice(0, POOL) },
        test: { payload: vectorsChunk(data.rows.slice(POOL * dim), dim, POOL), labels: data.labels.slice(POOL) },
        config: { model: 'mlp', contentType: 'vector', inputShape: [dim] }
      };
    }
  };
}

async function run(variant: string, order: 'active' | 'sequential' | 'random', seed: number, dataset: Dataset) {
  const { pool, test, config } = dataset.draw(seed);
  const { anchorWeight, ...training } = VARIANT_PRESETS[variant];
  const model = CONFIG_EXTRA.model ?? training.model ?? config.model;
  if (anchorWeight !== undefined && anchorWeight !== 0 && model !== 'text-mlp') {
    throw new Error(`variant '${variant}': anchorWeight applies to text-mlp only, not ${model}`);
  }
  TEXT_MLP_TRAINER.anchorWeight = anchorWeight ?? TEXT_MLP_ANCHOR;
  const manager = new SessionManager(SqliteLabelStore.open({ file: ':memory:' }), {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined
  });
  const session = await manager.createReady({
    name: `${DATASET}-${variant}-${order}-${seed}`,
    task: 'similarity',
    ...config,
    topK: dataset.topK,
    seed,
    queryOrder: order,
    ...training,
    ...CONFIG_EXTRA
  });
  session.appendItems({ chunkIndex: 0, totalItems: POOL, isLast: true, payload: pool.payload });
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
  // What the session actually trained with (SessionInfo: the defaults filled in).
  const info = session.info();
  const anchor = info.model === 'text-mlp' ? TEXT_MLP_TRAINER.anchorWeight : 0;
  const effective = { loss: info.loss, learningRate: info.learningRate, anchorWeight: anchor };
  manager.closeAll();
  return { variant, order, seed, points, strategies, effective, positiveShare: positives / Math.max(1, candidates) };
}

/** The environment settings of this run, as a shell prefix. */
const ENV_SET = ['VARIANTS', 'TUNING', 'CONFIG']
  .filter(name => process.env[name] !== undefined)
  .map(name => `${name}='${process.env[name]}' `)
  .join('');

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map(x => (x - mean(xs)) ** 2)));
const fmt = (xs: number[]) => `${mean(xs).toFixed(3)} ± ${sd(xs).toFixed(3)}`;

/** Mean deltas and ratios of `a` against `b` (same seeds, same order), and on how many seeds `a` was higher. */
function compare(a: { knn: number[]; map: number[] }, b: { knn: number[]; map: number[] }) {
  const won = (x: number[], y: number[]) => `${x.filter((v, i) => v > y[i]).length}/${x.length}`;
  return {
    knnDelta: +(mean(a.knn) - mean(b.knn)).toFixed(4),
    mapDelta: +(mean(a.map) - mean(b.map)).toFixed(4),
    knnRatio: +(mean(a.knn) / mean(b.knn)).toFixed(4),
    mapRatio: +(mean(a.map) / mean(b.map)).toFixed(4),
    knnSeedsWon: won(a.knn, b.knn),
    mapSeedsWon: won(a.map, b.map)
  };
}

async function main(): Promise<void> {
  const dataset =
    DATASET === 'banking77'
      ? banking77()
      : DATASET === 'synthetic'
        ? synthetic()
        : fashionMnist(CONFIG_EXTRA.model ?? 'mlp');
  const started = performance.now();
  type Run = Awaited<ReturnType<typeof run>>;
  const runs: Run[] = [];
  // Variants innermost: every variant of a seed and order runs on the same draw, close in time.
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const order of ORDERS) {
      for (const variant of VARIANTS) {
        const result = await run(variant, order, seed, dataset);
        runs.push(result);
        console.error(JSON.stringify({ variant, order, seed, points: result.points, strategies: result.strategies }));
      }
    }
  }
  const baseline = VARIANTS[0];
  const table: Record<string, Record<string, { knn: string; map: string }>> = {};
  const summary: Record<string, unknown> = {};
  /** Per-seed scores (seed order) of a variant and order at `answers`. */
  const scores = (variant: string, order: string, answers: number) => {
    const of = runs.filter(r => r.variant === variant && r.order === order);
    const at = (metric: 'knn' | 'map') => of.map(r => r.points.find(p => p.answers === answers)?.[metric] ?? NaN);
    return { knn: at('knn'), map: at('map') };
  };
  for (const answers of [0, ...CHECKPOINTS]) {
    const row: Record<string, { knn: string; map: string }> = {};
    for (const variant of VARIANTS) {
      for (const order of ORDERS) {
        const s = scores(variant, order, answers);
        row[`${variant}/${order}`] = { knn: fmt(s.knn), map: fmt(s.map) };
        if (answers > 0) {
          summary[`${answers}: ${variant}/${order} vs untrained`] = compare(s, scores(variant, order, 0));
        }
        if (variant !== baseline) {
          summary[`${answers}: ${variant} vs ${baseline} (${order})`] = compare(s, scores(baseline, order, answers));
        }
        if (order !== 'active' && ORDERS.includes('active')) {
          summary[`${answers}: active vs ${order} (${variant})`] = compare(scores(variant, 'active', answers), s);
        }
      }
    }
    table[`${answers} answers`] = row;
  }
  const result = {
    label: LABEL,
    command: `${ENV_SET}node bench/run.cjs bench/sidecar/labelEfficiency.ts ${args.join(' ')}`,
    data: dataset.describe,
    model: CONFIG_EXTRA.model ?? dataset.model,
    metrics: `kNN accuracy (k=${K}) and mAP@${K}, test → pool, cosine of the session model's embeddings`,
    seeds: SEEDS,
    tuning: { ...ACTIVE_TUNING },
    config: CONFIG_EXTRA,
    baseline,
    variants: Object.fromEntries(
      VARIANTS.map(v => [v, { set: VARIANT_PRESETS[v], effective: runs.find(r => r.variant === v)?.effective }])
    ),
    minutes: +((performance.now() - started) / 60000).toFixed(1),
    table,
    summary,
    strategies: Object.fromEntries(runs.filter(r => r.seed === 1).map(r => [`${r.variant}/${r.order}`, r.strategies])),
    positiveShare: Object.fromEntries(
      VARIANTS.flatMap(v =>
        ORDERS.map(o => [
          `${v}/${o}`,
          +mean(runs.filter(r => r.variant === v && r.order === o).map(r => r.positiveShare)).toFixed(3)
        ])
      )
    ),
    runs: runs.map(r => ({ variant: r.variant, order: r.order, seed: r.seed, points: r.points }))
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
