/**
 * Sidecar latency through the real socket path and the built bundle (run `npm run build:sidecar` first):
 *  - submit → next question (question/answer then question/next) p50/p95/p99 with a 100k × 128-d vector pool;
 *  - answer → next model version live (model/wait) with a 10k × 128-d pool.
 * Baseline, measured in the same run: one plain-JS exact top-K scan (exactTopK) of one query over the same
 * 100k pool, so figures can be read as ratios on any machine.
 * Usage: node bench/run.cjs bench/sidecar/latency.ts [--questions 60] [--think 300]
 *          [--bundle path/to/sidecar_dist] [--label after] (writes bench/results/latency-<label>.json)
 *          [--cpu-prof dir] (the sidecar writes a V8 CPU profile there on exit)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { EmbeddingMatrix } from '../../src/sidecar/index/embeddingMatrix';
import { exactTopK } from '../../src/sidecar/index/exactKnn';
import { vectorsChunk } from '../../src/sidecar/testing/arrowChunks';
import { FrameClient } from '../../src/sidecar/testing/frameClient';
import { isolatedBundleCopy, startSidecar } from '../../src/sidecar/testing/sidecarProcess';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const strArg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const QUESTIONS = arg('questions', 60);
const BUNDLE_DIR = strArg('bundle', '');
const LABEL = strArg('label', 'latest');
const THINK_MS = arg('think', 300);
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

/** Baseline: median time of one exact top-K scan (plain JS, one query) over the n-row pool. */
function baselineScanMs(n: number): number {
  const { rows } = poolRows(n);
  const matrix = EmbeddingMatrix.wrap(DIM, rows, n);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    exactTopK(matrix, matrix.row((i * 7919) % n), 10, (i * 7919) % n);
    times.push(performance.now() - t0);
  }
  return pct(times.slice(5), 50);
}

function bundleCopy(dir: string): string {
  const out = mkdtempSync(join(tmpdir(), 'tunelab-bundle-'));
  for (const name of readdirSync(dir).filter(file => /^(sidecar\.js|trainer-worker\.js|.*\.wasm|.*\.node)$/.test(file))) {
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
  return { sessionId, labels: data.labels, loadMs: performance.now() - t0 };
}

type Q = {
  id: string;
  strategy: string;
  modelVersion: number;
  query: { index: number };
  candidates: { id: number; index: number }[];
};

async function main(): Promise<void> {
  const socketDir = mkdtempSync(join(tmpdir(), 'tunelab-bench-'));
  const baseline100k = baselineScanMs(100_000);
  const bundle = BUNDLE_DIR ? bundleCopy(BUNDLE_DIR) : isolatedBundleCopy();
  const profDir = strArg('cpu-prof', '');
  const sidecar = await startSidecar(
    JSON.stringify({ secret: SECRET, transport: 'unix', socketDir }),
    bundle,
    10_000,
    profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
  );
  const client = await FrameClient.connect(sidecar.ready.path as string);
  await client.request('tunelab/hello', { secret: SECRET, user: 'bench', clientKind: 'test' });
  try {
    // 1. submit → next question, 100k pool
    const big = await session(client, 'latency-100k', 100_000);
    let question = ((await client.request('question/next', { sessionId: big.sessionId })).result as { question: Q })
      .question;
    const submitToNext: number[] = [];
    const strategies: Record<string, number> = {};
    const versionLag: number[] = [];
    const baselineMatrix = EmbeddingMatrix.wrap(DIM, poolRows(100_000).rows, 100_000);
    const baselineSamples: number[] = [];
    for (let i = 0; i < QUESTIONS; i++) {
      // Think time; one baseline scan inside it, so the baseline sees the same machine load as the answers.
      const thinkStart = performance.now();
      const row = (i * 7919) % 100_000;
      exactTopK(baselineMatrix, baselineMatrix.row(row), 10, row);
      baselineSamples.push(performance.now() - thinkStart);
      await sleep(Math.max(0, THINK_MS - (performance.now() - thinkStart)));
      const cls = big.labels[question.query.index % big.labels.length];
      const relevant = question.candidates.filter(c => big.labels[c.index % big.labels.length] === cls).map(c => c.id);
      const t0 = performance.now();
      await client.request('question/answer', {
        sessionId: big.sessionId,
        questionId: question.id,
        answerId: `b${i}`,
        relevant,
        ignore: false
      });
      const next = await client.request('question/next', { sessionId: big.sessionId });
      submitToNext.push(performance.now() - t0);
      question = (next.result as { question: Q }).question;
      strategies[question.strategy] = (strategies[question.strategy] ?? 0) + 1;
      const live = (await client.request('session/get', { sessionId: big.sessionId })).result as {
        progress: { modelVersion: number };
      };
      versionLag.push(live.progress.modelVersion - question.modelVersion);
    }
    const history100k = (await client.request('model/history', { sessionId: big.sessionId })).result as {
      versions: { trainMs: number }[];
    };
    await client.request('session/close', { sessionId: big.sessionId });

    // 2. answer → next model version live, 10k pool
    const small = await session(client, 'latency-10k', 10_000);
    const toLive: number[] = [];
    for (let i = 0; i < 15; i++) {
      const q = ((await client.request('question/next', { sessionId: small.sessionId })).result as { question: Q })
        .question;
      const progress = (await client.request('session/get', { sessionId: small.sessionId })).result as {
        progress: { modelVersion: number };
      };
      const cls = small.labels[q.query.index % small.labels.length];
      const t0 = performance.now();
      await client.request('question/answer', {
        sessionId: small.sessionId,
        questionId: q.id,
        answerId: `s${i}`,
        relevant: q.candidates.filter(c => small.labels[c.index % small.labels.length] === cls).map(c => c.id),
        ignore: false
      });
      const waited = await client.request(
        'model/wait',
        { sessionId: small.sessionId, version: progress.progress.modelVersion + 1, timeoutMs: 30_000 },
        undefined,
        35_000
      );
      toLive.push(performance.now() - t0);
      if (!(waited.result as { reached: boolean }).reached) {
        throw new Error('model/wait timed out');
      }
    }
    const result = {
      label: LABEL,
      bundle: BUNDLE_DIR || 'tunelab/sidecar_dist',
      cpu: `${cpus().length} cores`,
      backend: 'wasm',
      baseline: {
        what: 'plain-JS exact top-10 scan of one query over the same 100k x 128 pool (exactTopK), bench process',
        beforeStartMs: baseline100k,
        duringThinkTimeP50Ms: pct(baselineSamples, 50)
      },
      vectors: `${DIM}-d float32, model mlp (residual, 128-d output)`,
      submitToNextQuestion100k: {
        questions: QUESTIONS,
        thinkMs: THINK_MS,
        p50: pct(submitToNext, 50),
        p95: pct(submitToNext, 95),
        p99: pct(submitToNext, 99),
        max: pct(submitToNext, 100),
        p50OverBaselineScan: +(pct(submitToNext, 50) / pct(baselineSamples, 50)).toFixed(2),
        p95OverBaselineScan: +(pct(submitToNext, 95) / pct(baselineSamples, 50)).toFixed(2),
        p99OverBaselineScan: +(pct(submitToNext, 99) / pct(baselineSamples, 50)).toFixed(2),
        strategies,
        versionLagOfServedQuestion: { p50: pct(versionLag, 50), max: pct(versionLag, 100) },
        loadMs: Math.round(big.loadMs),
        roundMs100k: {
          p50: pct(
            history100k.versions.slice(1).map(v => v.trainMs),
            50
          )
        }
      },
      answerToModelLive10k: {
        rounds: toLive.length,
        p50: pct(toLive, 50),
        p95: pct(toLive, 95),
        max: pct(toLive, 100)
      }
    };
    const text = JSON.stringify(result, null, 2);
    console.log(text);
    const dir = join(__dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `latency-${LABEL}.json`), `${text}\n`);
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
