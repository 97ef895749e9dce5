/**
 * Few-shot classification on AG News with text-mlp's features and encoder (hashed n-grams → residual MLP):
 * held-out accuracy after 8, 16, …, 40 labels, per head/encoder schedule and query choice, over seeds.
 * Decides ClassifierTrainer's default schedule (docs/classification.md).
 * Usage: node bench/run.cjs bench/classification/agNewsFewShot.ts [--seeds 3] [--pool 2000] [--test 1000] [--smoke]
 *   [--methods head-only:random,two-phase:active,…] [--dim 256|1024] [--steps 30] [--lr 1e-3] [--anchor 1]
 *   [--head-steps 0] [--head-lr 1e-2] [--head-ridge 1e-2] [--out file.json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { initBackend } from '../../src/sidecar/engine/backend';
import { ClassifierSchedule, ClassifierTrainer } from '../../src/sidecar/engine/classification/classifierTrainer';
import { AutoAcceptLedger } from '../../src/sidecar/engine/classification/autoAccept';
import { chooseQueries, uncertaintyScores } from '../../src/sidecar/engine/classification/uncertainty';
import { createResidualMlpEncoder, featurizeTexts } from '../../src/sidecar/engine/models';
import { Rng } from '../../src/sidecar/engine/training/random';
import { TEXT_MLP_FEATURIZER } from '../../src/sidecar/models/modelPlan';
import { numberOption, option, SMOKE, writeResult } from '../common/benchRun';

const SEEDS = numberOption('seeds', SMOKE ? 1 : 3);
const POOL = numberOption('pool', SMOKE ? 200 : 2000);
const TEST = numberOption('test', SMOKE ? 100 : 1000);
const BATCH = numberOption('batch', 8);
const BUDGET = numberOption('budget', SMOKE ? 16 : 40);
const STEPS = numberOption('steps', 30);
const DIM = numberOption('dim', 256);
const HEAD_LR = numberOption('head-lr', 1e-2);
const HEAD_STEPS = numberOption('head-steps', 0);
const HEAD_RIDGE = numberOption('head-ridge', 1e-2);
const ANCHOR = numberOption('anchor', 1);
const LR = numberOption('lr', 1e-3);
const METHODS = option('methods', 'head-only:random,two-phase:random,joint:random,two-phase:active,joint:active').split(
  ','
);

function datasetsDir(): string {
  const tried = [
    process.env.TUNELAB_DATASETS,
    join(__dirname, '..', '..', '..', 'shared', 'datasets'),
    '/work/shared/datasets'
  ];
  const found = tried.find(
    (d): d is string => d !== undefined && d !== '' && existsSync(join(d, 'ag_news', 'test.csv'))
  );
  if (found === undefined) {
    throw new Error(`no ag_news/test.csv in ${tried.filter(Boolean).join(', ')}; set TUNELAB_DATASETS`);
  }
  return found;
}

function loadAgNews(): { texts: string[]; labels: number[] } {
  const parsed = Papa.parse<string[]>(readFileSync(join(datasetsDir(), 'ag_news', 'test.csv'), 'utf8'), {
    skipEmptyLines: true
  });
  const rows = parsed.data;
  return {
    texts: rows.map(([, title, description]) => `${title}. ${description}`.replace(/\\n/g, '\n')),
    labels: rows.map(([cls]) => Number(cls) - 1)
  };
}

function accuracy(probs: Float32Array, labels: number[], k: number): number {
  let right = 0;
  labels.forEach((y, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) {
      if (probs[i * k + c] > probs[i * k + best]) {
        best = c;
      }
    }
    right += best === y ? 1 : 0;
  });
  return right / labels.length;
}

async function run(method: string, seed: number, data: { texts: string[]; labels: number[] }) {
  const [schedule, query] = method.split(':');
  const rng = new Rng(1000 + seed);
  const order = rng.shuffle(Array.from({ length: data.texts.length }, (_, i) => i));
  const poolRows = order.slice(0, POOL);
  const testRows = order.slice(POOL, POOL + TEST);
  const pool = featurizeTexts(
    poolRows.map(r => data.texts[r]),
    { ...TEXT_MLP_FEATURIZER, seed: 0 }
  );
  const test = featurizeTexts(
    testRows.map(r => data.texts[r]),
    { ...TEXT_MLP_FEATURIZER, seed: 0 }
  );
  const truth = poolRows.map(r => data.labels[r]);
  const testTruth = testRows.map(r => data.labels[r]);
  const trainer = new ClassifierTrainer(createResidualMlpEncoder({ inputDim: 1024, outputDim: DIM, seed }), {
    numClasses: 4,
    schedule: (schedule === 'head-only' ? 'two-phase' : schedule) as ClassifierSchedule,
    headLearningRate: HEAD_LR,
    headSteps: HEAD_STEPS,
    headRidge: HEAD_RIDGE,
    anchorWeight: ANCHOR,
    learningRate: LR,
    seed
  });
  trainer.setPool(pool);
  const steps = schedule === 'head-only' ? 0 : STEPS;
  const pick = new Rng(seed * 7 + 1);
  const asked: number[] = rng.shuffle(Array.from({ length: POOL }, (_, i) => i)).slice(0, BATCH);
  const curve: { labels: number; accuracy: number }[] = [];
  const started = Date.now();
  for (;;) {
    trainer.setLabels(asked.map(row => ({ row, classIndex: truth[row] })));
    await trainer.trainRound({ steps });
    curve.push({ labels: asked.length, accuracy: accuracy(trainer.predictProba(test), testTruth, 4) });
    if (asked.length >= BUDGET) {
      break;
    }
    const taken = new Set(asked);
    const open = Array.from({ length: POOL }, (_, i) => i).filter(i => !taken.has(i));
    if (query === 'random') {
      asked.push(...pick.shuffle(open).slice(0, BATCH));
    } else {
      const embeddings = trainer.embed(pool);
      const probs = trainer.probaFromEmbeddings(embeddings);
      const uncertainty = uncertaintyScores(probs, 4, 'margin');
      const chosen = chooseQueries({ candidates: open, uncertainty, embeddings, dim: DIM, asked, count: BATCH, seed });
      asked.push(...chosen.map(c => c.row));
    }
  }
  // What Argilla's 0.9 would auto-accept among the unlabelled pool rows, and how often it would be right.
  const ledger = new AutoAcceptLedger(4);
  const labelled = new Set(asked);
  const rest = Array.from({ length: POOL }, (_, i) => i).filter(i => !labelled.has(i));
  const poolProbs = trainer.predictProba(pool);
  const restProbs = new Float32Array(rest.length * 4);
  rest.forEach((row, i) => restProbs.set(poolProbs.subarray(row * 4, row * 4 + 4), i * 4));
  const accepted = ledger.evaluate(trainer.modelVersion, rest, restProbs, () => false).added;
  const autoAccept = {
    share: accepted.length / rest.length,
    precision:
      accepted.length > 0 ? accepted.filter(l => l.classIndices[0] === truth[l.row]).length / accepted.length : null
  };
  trainer.dispose();
  return {
    method,
    seed,
    curve,
    final: curve[curve.length - 1].accuracy,
    autoAccept,
    seconds: (Date.now() - started) / 1000
  };
}

async function main(): Promise<void> {
  await initBackend({ preferred: 'wasm' });
  const data = loadAgNews();
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  for (const method of METHODS) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await run(method, seed, data);
      console.log(
        `${method} seed ${seed}: ${r.curve.map(c => `${c.labels}→${(100 * c.accuracy).toFixed(1)}`).join(' ')} auto-accepted ${(100 * r.autoAccept.share).toFixed(1)}% of the rest, precision ${r.autoAccept.precision === null ? '–' : (100 * r.autoAccept.precision).toFixed(1)}% (${r.seconds.toFixed(0)} s)`
      );
      runs.push(r);
    }
  }
  const summary = METHODS.map(method => {
    const finals = runs.filter(r => r.method === method).map(r => r.final);
    const mean = finals.reduce((s, v) => s + v, 0) / finals.length;
    const sd = Math.sqrt(finals.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, finals.length - 1));
    console.log(`${method}: ${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)} % after ${BUDGET} labels`);
    return { method, mean, sd, finals };
  });
  writeResult('classification-ag-news', {
    dim: DIM,
    headSteps: HEAD_STEPS,
    headLearningRate: HEAD_LR,
    headRidge: HEAD_RIDGE,
    anchorWeight: ANCHOR,
    learningRate: LR,
    pool: POOL,
    test: TEST,
    batch: BATCH,
    budget: BUDGET,
    steps: STEPS,
    runs,
    summary
  });
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
