import type { SessionConfig } from '../../protocol/messages';
import { knnAccuracy, makeClusteredData } from '../engine/training/synthetic';
import { annotate, heldOutAccuracy } from '../testing/annotator';
import { vectorsChunk } from '../testing/arrowChunks';
import { ModelWorker } from '../training/modelWorker';
import { SqliteLabelStore } from '../store/sqliteLabelStore';

const originalTrainRound = ModelWorker.prototype.trainRound;
import { SessionManager } from './sessionManager';

jest.setTimeout(170_000);

const DIM = 32;
const POOL = 1000;
const TEST = 300;

function dataset(seed: number) {
  const data = makeClusteredData({ n: POOL + TEST, dim: DIM, classes: 8, signalDim: 6, noise: 1.5, seed });
  const split = (from: number, to: number) => ({
    rows: data.rows.slice(from * DIM, to * DIM),
    labels: data.labels.slice(from, to)
  });
  return { pool: split(0, POOL), test: split(POOL, POOL + TEST) };
}

async function vectorSession(manager: SessionManager, name: string, extra: Partial<SessionConfig>, seed: number) {
  const { pool, test } = dataset(seed);
  const session = await manager.createReady({
    name,
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
  return { session, pool, test };
}

describe('a session learns from a simulated annotator', () => {
  const manager = new SessionManager(SqliteLabelStore.open({ file: ':memory:' }), {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined
  });
  afterAll(() => manager.closeAll());

  it('raises held-out kNN accuracy over v0 after 50 answers', async () => {
    const { session, pool, test } = await vectorSession(manager, 'learn', {}, 11);
    const raw = knnAccuracy(pool.rows, pool.labels, test.rows, test.labels, DIM);
    const v0 = await heldOutAccuracy(session, pool, test, DIM);
    await annotate(session, pool.labels, 50);
    const trained = await heldOutAccuracy(session, pool, test, DIM);
    console.log(
      JSON.stringify({ raw, v0, trained, version: session.modelVersion, history: session.history().slice(-2) })
    );
    expect(Math.abs(v0 - raw)).toBeLessThan(0.05);
    expect(session.modelVersion).toBeGreaterThanOrEqual(40);
    expect(trained).toBeGreaterThan(v0 + 0.05);
  });
});

// Query order (active vs sequential vs random at an equal budget) is measured on Fashion-MNIST over seeds
// by bench/sidecar/labelEfficiency.ts: a 3-seed learning race here was flaky. The strategy's logic is
// guarded deterministically in querySelector.spec.ts.

describe('undo before training', () => {
  const manager = new SessionManager(SqliteLabelStore.open({ file: ':memory:' }), {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined
  });
  afterAll(() => manager.closeAll());

  it('never hands an undone answer’s pairs to the trainer', async () => {
    const rounds: { query: number }[][] = [];
    const spy = jest.spyOn(ModelWorker.prototype, 'trainRound').mockImplementation(function (
      this: ModelWorker,
      labels,
      ...rest
    ) {
      rounds.push(labels);
      return originalTrainRound.call(this, labels, ...rest);
    });
    const { session, pool } = await vectorSession(manager, 'undo', { updateEvery: 2, queryOrder: 'sequential' }, 5);
    const ask = (answerId: string) => {
      const question = session.nextQuestion('c1');
      if (question === null) {
        throw new Error('no question');
      }
      session.answer('c1', { questionId: question.id, answerId, relevant: [question.candidates[0].id], ignore: false });
      return question.query.index;
    };
    const undoneQuery = ask('a1');
    session.undo('c1');
    session.release('c1');
    const redo = ask('a2');
    const third = ask('a3');
    await session.waitForModel(1, 30_000);
    spy.mockRestore();
    expect(rounds).toHaveLength(1);
    const queries = new Set(rounds[0].map(pair => pair.query));
    // The undone query was asked again (a2), so its pairs may appear only from that new answer.
    expect(redo).toBe(undoneQuery);
    expect([...queries].sort()).toEqual([redo, third].sort());
    expect(rounds[0]).toHaveLength(2 * 8);
    expect(session.labels().map(a => a.undone)).toEqual([true, false, false]);
    void pool;
  });
});
