/**
 * Label store write throughput (SqliteLabelStore, WAL, synchronous=FULL) on a file:
 *  - answers/s committed one per transaction (`answerRecorded`), as labeling does: each call returns only after
 *    its fsync, so this bounds how fast acknowledged answers can arrive;
 *  - answers/s in batches (`answersRecorded`, one transaction per batch), as label import does.
 * The figures depend on the disk's fsync latency: run it on the filesystem that holds the data dir (--dir).
 * Usage: node bench/run.cjs bench/store/storeThroughput.ts [--answers 2000] [--batch 100] [--dir path]
 *        (writes bench/results/store-throughput.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredAnswer } from '../../src/sidecar/store/labelStore';
import { SqliteLabelStore } from '../../src/sidecar/store/sqliteLabelStore';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const ANSWERS = Number(arg('answers', '2000'));
const BATCH = Number(arg('batch', '100'));
const BASE_DIR = arg('dir', tmpdir());

/** An answer shaped like a real one: a 10-candidate question with mixed id types. */
function answer(datasetId: string, n: number): StoredAnswer {
  const candidateIds = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? n * 10 + i : `item-${n * 10 + i}`));
  return {
    sessionId: datasetId,
    answerId: `answer-${n}`,
    question: {
      questionId: `question-${n}`,
      queryId: n,
      candidateIds,
      candidateExtras: candidateIds.map((_, i) => (i === 9 ? 'random' : null)),
      modelVersion: Math.floor(n / 10),
      strategy: 'uncertain'
    },
    relevantIds: candidateIds.slice(0, 3),
    ignored: false,
    annotator: 'bench',
    origin: 'label',
    answeredAt: new Date().toISOString(),
    undone: false
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(3);
}

function main(): void {
  const dir = mkdtempSync(join(BASE_DIR, 'tunelab-store-bench-'));
  const store = SqliteLabelStore.open({ file: join(dir, 'labels.sqlite3') });
  try {
    const config = { name: 'bench', task: 'similarity', model: 'mlp', contentType: 'vector', topK: 10 } as const;
    store.createDataset({ id: 'single', name: 'single', config, createdAt: new Date().toISOString(), closed: false });
    store.createDataset({ id: 'batched', name: 'batched', config, createdAt: new Date().toISOString(), closed: false });

    // Warm-up: statement caches and the WAL file's first pages.
    for (let n = 0; n < 50; n++) {
      store.answerRecorded(answer('single', -1 - n));
    }

    const latencies: number[] = [];
    const t0 = performance.now();
    for (let n = 0; n < ANSWERS; n++) {
      const start = performance.now();
      store.answerRecorded(answer('single', n));
      latencies.push(performance.now() - start);
    }
    const singleSeconds = (performance.now() - t0) / 1000;

    const batches = Math.ceil(ANSWERS / BATCH);
    const t1 = performance.now();
    for (let b = 0; b < batches; b++) {
      store.answersRecorded(
        Array.from({ length: Math.min(BATCH, ANSWERS - b * BATCH) }, (_, i) => answer('batched', b * BATCH + i))
      );
    }
    const batchedSeconds = (performance.now() - t1) / 1000;

    const result = {
      what: 'SqliteLabelStore answers committed per second, WAL journal, synchronous=FULL, one file',
      dir: BASE_DIR,
      cpu: `${cpus().length} cores`,
      node: process.version,
      sqlite: store.connection.prepare('SELECT sqlite_version()').pluck().get(),
      answers: ANSWERS,
      onePerTransaction: {
        answersPerSecond: Math.round(ANSWERS / singleSeconds),
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) }
      },
      batched: {
        batchSize: BATCH,
        answersPerSecond: Math.round(ANSWERS / batchedSeconds)
      }
    };
    const text = JSON.stringify(result, null, 2);
    console.log(text);
    const out = join(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'store-throughput.json'), `${text}\n`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
