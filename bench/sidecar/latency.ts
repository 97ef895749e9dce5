/**
 * Sidecar latency through the real socket path and the built bundle (run `npm run build:sidecar` first):
 *  - submit → next question (question/answer then question/next) p50/p95/p99 with a 100k × 128-d vector pool;
 *  - answer → next model version live (model/wait) with a 10k × 128-d pool.
 * Usage: node bench/sidecar/run.cjs [bench/sidecar/latency.ts] [--questions 60] [--think 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { vectorsChunk } from '../../src/sidecar/testing/arrowChunks';
import { FrameClient } from '../../src/sidecar/testing/frameClient';
import { isolatedBundleCopy, startSidecar } from '../../src/sidecar/testing/sidecarProcess';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const QUESTIONS = arg('questions', 60);
const THINK_MS = arg('think', 300);
const DIM = 128;
const SECRET = 'ef'.repeat(32);

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
};
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

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
  const data = makeClusteredData({ n: Math.min(n, 2000), dim: DIM, classes: 20, seed: 3 });
  const chunk = 25_000;
  const t0 = performance.now();
  for (let start = 0, index = 0; start < n; start += chunk, index++) {
    const rows = new Float32Array(Math.min(chunk, n - start) * DIM);
    for (let i = 0; i < rows.length / DIM; i++) {
      rows.set(
        data.rows.subarray(((start + i) % data.labels.length) * DIM, (((start + i) % data.labels.length) + 1) * DIM),
        i * DIM
      );
      rows[i * DIM] += ((start + i) % 997) * 1e-3; // no exact duplicates
    }
    const reply = await client.request(
      'session/appendItems',
      { sessionId, chunkIndex: index, totalItems: n, isLast: start + chunk >= n },
      vectorsChunk(rows, DIM, start)
    );
    if (reply.error) {
      throw new Error(JSON.stringify(reply.error));
    }
  }
  return { sessionId, labels: data.labels, loadMs: performance.now() - t0 };
}

type Q = { id: string; strategy: string; query: { index: number }; candidates: { id: number; index: number }[] };

async function main(): Promise<void> {
  const socketDir = mkdtempSync(join(tmpdir(), 'tunelab-bench-'));
  const bundle = isolatedBundleCopy();
  const sidecar = await startSidecar(JSON.stringify({ secret: SECRET, transport: 'unix', socketDir }), bundle);
  const client = await FrameClient.connect(sidecar.ready.path as string);
  await client.request('tunelab/hello', { secret: SECRET, user: 'bench', clientKind: 'test' });
  try {
    // 1. submit → next question, 100k pool
    const big = await session(client, 'latency-100k', 100_000);
    let question = ((await client.request('question/next', { sessionId: big.sessionId })).result as { question: Q })
      .question;
    const submitToNext: number[] = [];
    const strategies: Record<string, number> = {};
    for (let i = 0; i < QUESTIONS; i++) {
      await sleep(THINK_MS);
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
        undefined
      );
      toLive.push(performance.now() - t0);
      if (!(waited.result as { reached: boolean }).reached) {
        throw new Error('model/wait timed out');
      }
    }
    console.log(
      JSON.stringify(
        {
          cpu: `${require('node:os').cpus().length} cores`,
          backend: 'wasm',
          vectors: `${DIM}-d float32, model mlp (residual, 128-d output)`,
          submitToNextQuestion100k: {
            questions: QUESTIONS,
            thinkMs: THINK_MS,
            p50: pct(submitToNext, 50),
            p95: pct(submitToNext, 95),
            p99: pct(submitToNext, 99),
            max: pct(submitToNext, 100),
            strategies,
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
        },
        null,
        2
      )
    );
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
