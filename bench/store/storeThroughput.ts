/**
 * Label store write throughput (SqliteLabelStore, WAL, synchronous=FULL) on a file:
 *  - answers/s committed one per transaction (`answerRecorded`), as labeling does: each call returns only after
 *    its fsync, so this bounds how fast acknowledged answers can arrive;
 *  - answers/s in batches (`answersRecorded`, one transaction per batch), as label import does.
 * The figures depend on the disk's fsync latency: run it on the filesystem that holds the data dir (--dir).
 * Usage: node bench/run.cjs bench/store/storeThroughput.ts [--answers 2000] [--batch 100] [--dir path]
 *        [--smoke] [--out file.json] (default bench/results/store-throughput.json)
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredAnswer } from '../../src/sidecar/store/labelStore';
import { SqliteLabelStore } from '../../src/sidecar/store/sqliteLabelStore';
import { SMOKE, numberOption, option, writeResult } from '../common/benchRun';

const ANSWERS = numberOption('answers', SMOKE ? 200 : 2000);
const BATCH = numberOption('batch', 100);
const BASE_DIR = option('dir', tmpdir());

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

/** Baseline: appends of an answer-sized record, each followed by fdatasync, on the same disk. */
function fsyncAppendsPerSecond(dir: string, count: number): number {
  const fd = openSync(join(dir, 'fsync-baseline'), 'a');
  const record = Buffer.alloc(512, 1);
  try {
    const t0 = performance.now();
    for (let n = 0; n < count; n++) {
      writeSync(fd, record);
      fdatasyncSync(fd);
    }
    return Math.round(count / ((performance.now() - t0) / 1000));
  } finally {
    closeSync(fd);
  }
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
    const baseline = fsyncAppendsPerSecond(dir, ANSWERS);
    const single = Math.round(ANSWERS / singleSeconds);
    const batched = Math.round(ANSWERS / batchedSeconds);

    const result = {
      what: 'SqliteLabelStore answers committed per second, WAL journal, synchronous=FULL, one file',
      dir: BASE_DIR,
      sqlite: store.connection.prepare('SELECT sqlite_version()').pluck().get(),
      answers: ANSWERS,
      baseline: { what: '512-byte appends to a file, each followed by fdatasync, same disk', perSecond: baseline },
      onePerTransaction: {
        answersPerSecond: single,
        overBaseline: +(single / baseline).toFixed(2),
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) }
      },
      batched: {
        batchSize: BATCH,
        answersPerSecond: batched,
        overBaseline: +(batched / baseline).toFixed(2)
      }
    };
    console.log(JSON.stringify(result, null, 2));
    writeResult('store-throughput', result);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
