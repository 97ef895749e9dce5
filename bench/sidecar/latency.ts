/**
 * Sidecar latency and memory through the real socket path and the built bundle (run `npm run build:sidecar`
 * first), for pools of 1k, 10k and 100k 128-d vectors (model mlp, trained after every answer):
 *  - submit → next question (question/answer then question/next) p50/p95/p99, with think time between answers;
 *  - answer → next model version live (model/wait);
 *  - the sidecar's resident memory once each pool is loaded.
 * Baseline, measured in the same run during the think time: one plain-JS exact top-K scan (exactTopK) of one
 * query over the same pool, so figures can be read as ratios on any machine.
 * Usage: node bench/run.cjs bench/sidecar/latency.ts [--sizes 1000,10000,100000] [--questions 60] [--rounds 15]
 *          [--think 300] [--bundle path/to/sidecar_dist] [--cpu-prof dir] [--smoke] [--out file.json]
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { EmbeddingMatrix } from '../../src/sidecar/index/embeddingMatrix';
import { exactTopK } from '../../src/sidecar/index/exactKnn';
import { vectorsChunk } from '../../src/sidecar/testing/arrowChunks';
import { FrameClient } from '../../src/sidecar/testing/frameClient';
import { isolatedBundleCopy, startSidecar } from '../../src/sidecar/testing/sidecarProcess';
import { SMOKE, numberOption, option, residentMiB, writeResult } from '../common/benchRun';

const SIZES = option('sizes', SMOKE ? '1000' : '1000,10000,100000')
  .split(',')
  .map(Number);
const QUESTIONS = numberOption('questions', SMOKE ? 5 : 60);
const ROUNDS = numberOption('rounds', SMOKE ? 2 : 15);
const BUNDLE_DIR = option('bundle', '');
const THINK_MS = numberOption('think', SMOKE ? 50 : 300);
const DIM = 128;
const SECRET = 'ef'.repeat(32);

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
};
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The pool's rows exactly as `session()` sends them. */
function poolRows(n: number): { rows: Float32Array; labels: Int32Array } {
  const data = makeClusteredData({ n: Math.min(n, 2000), dim: DIM, classes: 20, seed: 3 });
  const rows = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    rows.set(data.rows.subarray((i % data.labels.length) * DIM, ((i % data.labels.length) + 1) * DIM), i * DIM);
    rows[i * DIM] += (i % 997) * 1e-3; // no exact duplicates
  }
  return { rows, labels: data.labels };
}

function bundleCopy(dir: string): string {
  const out = mkdtempSync(join(tmpdir(), 'tunelab-bundle-'));
  for (const name of readdirSync(dir).filter(file =>
    /^(sidecar\.js|trainer-worker\.js|.*\.wasm|.*\.node)$/.test(file)
  )) {
    copyFileSync(join(dir, name), join(out, name));
  }
  return join(out, 'sidecar.js');
}

async function session(client: FrameClient, name: string, n: number) {
  const created = await client.request('session/create', {
    name,
    task: 'similarity',
    model: 'mlp',
    contentType: 'vector',
    inputShape: [DIM],
    topK: 10
  });
  const sessionId = (created.result as { id: string }).id;
  const data = poolRows(n);
  const chunk = 25_000;
  const t0 = performance.now();
  for (let start = 0, index = 0; start < n; start += chunk, index++) {
    const rows = data.rows.slice(start * DIM, Math.min(n, start + chunk) * DIM);
    const reply = await client.request(
      'session/appendItems',
      { sessionId, chunkIndex: index, totalItems: n, isLast: start + chunk >= n },
      vectorsChunk(rows, DIM, start),
      60_000
    );
    if (reply.error) {
      throw new Error(JSON.stringify(reply.error));
    }
  }
  return { sessionId, rows: data.rows, labels: data.labels, loadMs: performance.now() - t0 };
}

type Q = {
  id: string;
  strategy: string;
  modelVersion: number;
  query: { index: number };
  candidates: { id: number; index: number }[];
};

type Client = FrameClient;

/** Answers `QUESTIONS` questions as a same-class annotator would, timing submit → next question. */
async function submitToNext(client: Client, pool: Awaited<ReturnType<typeof session>>, n: number) {
  const matrix = EmbeddingMatrix.wrap(DIM, pool.rows, n);
  let question = ((await client.request('question/next', { sessionId: pool.sessionId })).result as { question: Q })
    .question;
  const times: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < QUESTIONS; i++) {
    // Think time; one baseline scan inside it, so the baseline sees the same machine load as the answers.
    const thinkStart = performance.now();
    const row = (i * 7919) % n;
    exactTopK(matrix, matrix.row(row), 10, row);
    baseline.push(performance.now() - thinkStart);
    await sleep(Math.max(0, THINK_MS - (performance.now() - thinkStart)));
    const cls = pool.labels[question.query.index % pool.labels.length];
    const relevant = question.candidates.filter(c => pool.labels[c.index % pool.labels.length] === cls).map(c => c.id);
    const t0 = performance.now();
    await client.request('question/answer', {
      sessionId: pool.sessionId,
      questionId: question.id,
      answerId: `b${i}`,
      relevant,
      ignore: false
    });
    const next = await client.request('question/next', { sessionId: pool.sessionId });
    times.push(performance.now() - t0);
    question = (next.result as { question: Q }).question;
  }
  const scan = pct(baseline, 50);
  return {
    questions: QUESTIONS,
    thinkMs: THINK_MS,
    p50: pct(times, 50),
    p95: pct(times, 95),
    p99: pct(times, 99),
    baselineScanP50: scan,
    p50OverBaselineScan: +(pct(times, 50) / scan).toFixed(2),
    p95OverBaselineScan: +(pct(times, 95) / scan).toFixed(2),
    p99OverBaselineScan: +(pct(times, 99) / scan).toFixed(2)
  };
}

/** Times answer → the model version trained on it is live (model/wait), `ROUNDS` times. */
async function answerToModelLive(client: Client, pool: Awaited<ReturnType<typeof session>>) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const q = ((await client.request('question/next', { sessionId: pool.sessionId })).result as { question: Q })
      .question;
    const progress = (await client.request('session/get', { sessionId: pool.sessionId })).result as {
      progress: { modelVersion: number };
    };
    const cls = pool.labels[q.query.index % pool.labels.length];
    const t0 = performance.now();
    await client.request('question/answer', {
      sessionId: pool.sessionId,
      questionId: q.id,
      answerId: `s${i}`,
      relevant: q.candidates.filter(c => pool.labels[c.index % pool.labels.length] === cls).map(c => c.id),
      ignore: false
    });
    const waited = await client.request(
      'model/wait',
      { sessionId: pool.sessionId, version: progress.progress.modelVersion + 1, timeoutMs: 120_000 },
      undefined,
      125_000
    );
    times.push(performance.now() - t0);
    if (!(waited.result as { reached: boolean }).reached) {
      throw new Error('model/wait timed out');
    }
  }
  return { rounds: times.length, p50: pct(times, 50), p95: pct(times, 95), max: pct(times, 100) };
}

/** Waits until the sidecar has embedded all `n` items (questions then rank the whole pool). */
async function loaded(client: Client, sessionId: string, n: number): Promise<void> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    const info = (await client.request('session/get', { sessionId })).result as { progress: { loadedItems: number } };
    if (info.progress.loadedItems >= n) {
      return;
    }
    if (performance.now() > deadline) {
      throw new Error(`pool of ${n} not embedded within 10 minutes`);
    }
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const socketDir = mkdtempSync(join(tmpdir(), 'tunelab-bench-'));
  const bundle = BUNDLE_DIR ? bundleCopy(BUNDLE_DIR) : isolatedBundleCopy();
  const profDir = option('cpu-prof', '');
  const sidecar = await startSidecar(
    JSON.stringify({ secret: SECRET, transport: 'unix', socketDir }),
    bundle,
    10_000,
    profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
  );
  const client = await FrameClient.connect(sidecar.ready.path as string);
  await client.request('tunelab/hello', { secret: SECRET, user: 'bench', clientKind: 'test' });
  const pid = sidecar.child.pid as number;
  try {
    const idleMiB = residentMiB(pid);
    const pools = [];
    for (const n of SIZES) {
      const pool = await session(client, `latency-${n}`, n);
      await loaded(client, pool.sessionId, n);
      const loadedMiB = residentMiB(pid);
      const submit = await submitToNext(client, pool, n);
      const live = await answerToModelLive(client, pool);
      const history = (await client.request('model/history', { sessionId: pool.sessionId })).result as {
        versions: { trainMs: number }[];
      };
      pools.push({
        items: n,
        loadMs: Math.round(pool.loadMs),
        residentMiB: loadedMiB,
        submitToNextQuestion: submit,
        answerToModelLive: live,
        trainRoundMsP50: pct(
          history.versions.slice(1).map(v => v.trainMs),
          50
        )
      });
      await client.request('session/close', { sessionId: pool.sessionId });
      console.log(JSON.stringify(pools.at(-1)));
    }
    writeResult('latency', {
      what: 'sidecar latency and memory through the real socket path (unix socket, built bundle)',
      bundle: BUNDLE_DIR || 'tunelab/sidecar_dist',
      backend: 'wasm',
      vectors: `${DIM}-d float32, model mlp (residual, 128-d output), trained after every answer`,
      baseline: 'plain-JS exact top-10 scan of one query over the same pool (exactTopK), bench process, think time',
      idleResidentMiB: idleMiB,
      pools
    });
  } finally {
    client.close();
    sidecar.child.kill('SIGTERM');
    rmSync(socketDir, { recursive: true, force: true });
    rmSync(join(bundle, '..'), { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  err => {
    console.error(err);
    process.exit(1);
  }
);
