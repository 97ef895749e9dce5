/**
 * Classification sessions with a simulated annotator (issue 7): held-out accuracy against the number of
 * labels, Tunelab's active query choice against random queries, driven in-process through
 * SessionManager/LabelingSession (the code the websocket path runs).
 *
 * Per seed: a pool of --pool texts and --test held-out texts (seeded draws). The annotator answers each
 * question with the item's true class, a round of `updateEvery` questions at a time, then waits for the model
 * (the session trains every `updateEvery` answers). At each checkpoint `model/predict` scores the held-out
 * texts: accuracy of the top label, and what auto-accept holds (machine labels and how many are right — the
 * certainty threshold's precision, the figure Argilla's tutorial never reports).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionConfig } from '../../src/protocol/messages';
import { Rng } from '../../src/sidecar/engine/training/random';
import { LabelingSession } from '../../src/sidecar/sessions/labelingSession';
import { SessionManager } from '../../src/sidecar/sessions/sessionManager';
import { openEmbeddingCache } from '../../src/sidecar/store/embeddingCache';
import { SqliteLabelStore } from '../../src/sidecar/store/sqliteLabelStore';
import { itemsChunk } from '../../src/sidecar/testing/arrowChunks';
import { flag, numberOption, option, SMOKE, writeResult } from '../common/benchRun';
import { AG_NEWS_CLASSES, loadAgNews, loadBanking77, minilmPath, subset, type TextRows } from '../common/textDatasets';

const USAGE = `Usage: node bench/run.cjs bench/sidecar/classificationEfficiency.ts [options]
  --dataset NAME       ag-news (default; 4 topics, the Argilla tutorial's task) or banking77 (77 intents)
  --model NAME         sentence-encoder (default: all-MiniLM-L6-v2, adapter mode) or text-mlp
  --seeds N            seeds 1..N, each its own draw (default 3)
  --pool N             pool texts (default 1000)
  --test N             held-out texts (default 500)
  --checkpoints LIST   labels to score at (default 10,20,40,100)
  --update-every N     the session's updateEvery (default 10)
  --out FILE           result JSON (default bench/results/classification-session-<dataset>.json)
  --smoke              1 seed, tiny pool, checkpoints 4,8
`;
if (flag('help')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const DATASET = option('dataset', 'ag-news');
const MODEL = option('model', 'sentence-encoder');
const SEEDS = numberOption('seeds', SMOKE ? 1 : 3);
const POOL = numberOption('pool', SMOKE ? 80 : 1000);
const TEST = numberOption('test', SMOKE ? 40 : 500);
const CHECKPOINTS = option('checkpoints', SMOKE ? '4,8' : '10,20,40,100')
  .split(',')
  .map(Number);
const UPDATE_EVERY = numberOption('update-every', SMOKE ? 4 : 10);
const METHODS = ['active', 'random'] as const;
type Method = (typeof METHODS)[number];

interface Source {
  classes: string[];
  pool: TextRows;
  test: TextRows;
  disjoint: boolean;
}

function source(): Source {
  if (DATASET === 'ag-news') {
    const rows = loadAgNews();
    return { classes: AG_NEWS_CLASSES, pool: rows, test: rows, disjoint: true };
  }
  if (DATASET === 'banking77') {
    const { train, test, classes } = loadBanking77();
    return { classes, pool: train, test, disjoint: false };
  }
  throw new Error(`--dataset: no dataset '${DATASET}' (ag-news, banking77)`);
}

interface Draw {
  pool: { texts: string[]; labels: number[] };
  test: { texts: string[]; labels: number[] };
}

function draw(src: Source, seed: number): Draw {
  const rng = new Rng(2000 + seed);
  const pool = subset(src.pool.texts.length, POOL, rng);
  const test = subset(src.test.texts.length, TEST, rng, src.disjoint ? new Set(pool) : new Set());
  const pick = (rows: TextRows, picked: number[]) => ({
    texts: picked.map(r => rows.texts[r]),
    labels: picked.map(r => rows.labels[r])
  });
  return { pool: pick(src.pool, pool), test: pick(src.test, test) };
}

/** Pretrained encoders' embeddings, shared by this process's sessions: each draw is embedded once. */
const embeddingCache = openEmbeddingCache(mkdtempSync(join(tmpdir(), 'tunelab-bench-cache-')));

function modelFields(): Partial<SessionConfig> {
  if (MODEL === 'sentence-encoder') {
    return { model: MODEL, modelPath: option('model-path', '') || minilmPath(), trainingMode: 'adapter' };
  }
  return { model: MODEL };
}

interface Point {
  labels: number;
  accuracy: number;
  modelVersion: number;
  machineLabels: number;
  machineCorrect: number;
  autoAcceptOpen: boolean;
}

async function score(session: LabelingSession, d: Draw, classes: string[], labels: number): Promise<Point> {
  const { probs, modelVersion } = await session.predict(itemsChunk(d.test.texts, POOL));
  const c = classes.length;
  let right = 0;
  for (let i = 0; i < d.test.labels.length; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) {
      if (probs[i * c + k] > probs[i * c + best]) {
        best = k;
      }
    }
    right += best === d.test.labels[i] ? 1 : 0;
  }
  const machine = session.classifier().machineLabels().machineLabels;
  const machineCorrect = machine.filter(m => m.labels[0] === classes[d.pool.labels[m.index]]).length;
  return {
    labels,
    accuracy: right / d.test.labels.length,
    modelVersion,
    machineLabels: machine.length,
    machineCorrect,
    autoAcceptOpen: session.progress().autoAcceptOpen ?? false
  };
}

async function run(method: Method, seed: number, d: Draw, classes: string[]) {
  const manager = new SessionManager(
    SqliteLabelStore.open({ file: ':memory:' }),
    { progressChanged: () => undefined, sessionsChanged: () => undefined },
    { embeddingCache }
  );
  const session = await manager.createReady(
    {
      name: `classify-${DATASET}-${method}-${seed}`,
      task: 'classification',
      contentType: 'text',
      topK: 1,
      labels: classes,
      updateEvery: UPDATE_EVERY,
      queryOrder: method,
      seed,
      ...modelFields()
    },
    // A pretrained encoder's directory lies outside the allowed root, as for a kernel client.
    { anyModelPath: true }
  );
  const started = performance.now();
  session.appendItems({ chunkIndex: 0, totalItems: POOL, isLast: true, payload: itemsChunk(d.pool.texts, 0) });
  await session.settled();
  const points: Point[] = [];
  const last = Math.max(...CHECKPOINTS);
  let labelled = 0;
  while (labelled < last) {
    const questions = await session.serveQuestions('annotator', Math.min(UPDATE_EVERY, last - labelled));
    if (questions.length === 0) {
      break;
    }
    for (const question of questions) {
      session.answer('annotator', {
        questionId: question.id,
        answerId: `a${labelled}`,
        relevant: [],
        ignore: false,
        labels: [classes[d.pool.labels[question.query.index]]]
      });
      labelled++;
    }
    await session.waitForModel(undefined, 300_000);
    if (CHECKPOINTS.includes(labelled)) {
      points.push(await score(session, d, classes, labelled));
      const p = points[points.length - 1];
      console.error(
        `${DATASET} ${method} seed ${seed}: ${labelled} labels, accuracy ${p.accuracy.toFixed(3)}, ` +
          `machine labels ${p.machineLabels} (${p.machineCorrect} right)`
      );
    }
  }
  manager.closeAll();
  return { method, seed, points, seconds: +((performance.now() - started) / 1000).toFixed(1) };
}

async function main(): Promise<void> {
  const src = source();
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const d = draw(src, seed);
    for (const method of METHODS) {
      runs.push(await run(method, seed, d, src.classes));
    }
  }
  writeResult(`classification-session-${DATASET}`, {
    dataset: DATASET,
    data: `${DATASET}: pool ${POOL}, ${TEST} held out, ${src.classes.length} classes`,
    model: MODEL === 'sentence-encoder' ? 'all-MiniLM-L6-v2, adapter mode' : MODEL,
    updateEvery: UPDATE_EVERY,
    seeds: SEEDS,
    checkpoints: CHECKPOINTS,
    chance: 1 / src.classes.length,
    methods: {
      active: "Tunelab's default: margin uncertainty + diversity + 10% random",
      random: 'queries drawn uniformly at random, same model and rounds'
    },
    runs
  });
}

void main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  }
);
