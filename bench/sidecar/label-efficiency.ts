/**
 * Label efficiency of the sidecar's built-in vector model: held-out kNN accuracy (k=5) of raw features,
 * v0 and the model after N simulated answers, per loss and query order, averaged over seeds.
 * Usage: node bench/sidecar/run.cjs bench/sidecar/label-efficiency.ts [--answers 50] [--seeds 3]
 */
import type { SessionConfig } from '../../src/protocol/messages';
import { knnAccuracy, makeClusteredData } from '../../src/sidecar/engine/training/synthetic';
import { InMemoryLabelStore } from '../../src/sidecar/sessions/labelStore';
import { SessionManager } from '../../src/sidecar/sessions/sessionManager';
import { annotate, heldOutAccuracy } from '../../src/sidecar/testing/annotator';
import { vectorsChunk } from '../../src/sidecar/testing/arrowChunks';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ANSWERS = arg('answers', 50);
const SEEDS = arg('seeds', 3);
const DIM = 32;
const POOL = 1000;
const TEST = 300;

async function run(extra: Partial<SessionConfig>, seed: number) {
  const manager = new SessionManager(new InMemoryLabelStore(), {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined
  });
  const data = makeClusteredData({ n: POOL + TEST, dim: DIM, classes: 8, signalDim: 6, noise: 1.5, seed });
  const pool = { rows: data.rows.slice(0, POOL * DIM), labels: data.labels.slice(0, POOL) };
  const test = { rows: data.rows.slice(POOL * DIM), labels: data.labels.slice(POOL) };
  const session = await manager.createReady({
    name: 'bench',
    task: 'similarity',
    model: 'mlp',
    contentType: 'vector',
    inputShape: [DIM],
    topK: 8,
    seed,
    ...extra
  });
  session.appendItems({ chunkIndex: 0, totalItems: POOL, isLast: true, payload: vectorsChunk(pool.rows, DIM) });
  await session.settled();
  const raw = knnAccuracy(pool.rows, pool.labels, test.rows, test.labels, DIM);
  const v0 = await heldOutAccuracy(session, pool, test, DIM);
  const asked = await annotate(session, pool.labels, ANSWERS);
  const trained = await heldOutAccuracy(session, pool, test, DIM);
  const positives = session.pairs().filter(p => p.relevant).length / Math.max(1, session.pairs().length);
  const strategies: Record<string, number> = {};
  asked.forEach(q => (strategies[q.strategy ?? '?'] = (strategies[q.strategy ?? '?'] ?? 0) + 1));
  manager.closeAll();
  return { raw, v0, trained, positives, strategies };
}

(async () => {
  const variants: [string, Partial<SessionConfig>][] = (
    process.env.VARIANTS ?? 'infonce,triplet,cosine,sequential,random'
  )
    .split(',')
    .map(v => [
      v,
      ['sequential', 'random'].includes(v) ? { queryOrder: v as 'sequential' | 'random' } : { loss: v as 'infonce' }
    ]);
  for (const [name, extra] of variants) {
    const results = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      results.push(await run(extra, seed));
    }
    const mean = (key: 'raw' | 'v0' | 'trained' | 'positives') =>
      results.reduce((s, r) => s + r[key], 0) / results.length;
    console.log(
      JSON.stringify({
        variant: name,
        answers: ANSWERS,
        raw: +mean('raw').toFixed(3),
        v0: +mean('v0').toFixed(3),
        trained: +mean('trained').toFixed(3),
        perSeed: results.map(r => +r.trained.toFixed(3)),
        positiveShare: +mean('positives').toFixed(3),
        strategies: results[0].strategies
      })
    );
  }
  process.exit(0);
})();
