import { ErrorCodes } from '../../protocol/errors';
import type { Progress, SessionConfig, SessionInfo } from '../../protocol/messages';
import { itemsChunk } from '../testing/arrowChunks';
import { SqliteLabelStore } from '../store/sqliteLabelStore';
import { LabelingSession } from './labelingSession';
import { SessionManager } from './sessionManager';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';

const CONFIG: SessionConfig = {
  name: 'banking',
  task: 'similarity',
  model: 'hashed-ngram',
  contentType: 'text',
  topK: 3,
  // These specs check assignment semantics, so dataset order; query choice has its own specs.
  queryOrder: 'sequential'
};

const TEXTS = [
  'reset my card pin',
  'how to reset the pin of my card',
  'card pin reset please',
  'exchange rate for euros',
  'what is the euro exchange rate',
  'my card was stolen'
];

function setup(config: SessionConfig = CONFIG): {
  manager: SessionManager;
  store: SqliteLabelStore;
  progressEvents: Progress[];
  listEvents: SessionInfo[][];
} {
  const store = SqliteLabelStore.open({ file: ':memory:' });
  const progressEvents: Progress[] = [];
  const listEvents: SessionInfo[][] = [];
  const manager = new SessionManager(store, {
    progressChanged: (_id, progress) => progressEvents.push(progress),
    sessionsChanged: sessions => listEvents.push(sessions)
  });
  manager.create(config);
  return { manager, store, progressEvents, listEvents };
}

function loaded(texts: readonly string[] = TEXTS): { session: LabelingSession } & ReturnType<typeof setup> {
  const context = setup();
  const session = context.manager.list().map(info => context.manager.get(info.id))[0];
  session.appendItems({ chunkIndex: 0, totalItems: texts.length, isLast: true, payload: itemsChunk(texts) });
  return { session, ...context };
}

function answer(
  session: LabelingSession,
  holder: string,
  questionId: string,
  answerId: string,
  relevant: number[] = []
) {
  return session.answer(holder, { questionId, answerId, relevant, ignore: false });
}

describe('SessionManager', () => {
  it('returns the live session of a name; after close it resumes the stored dataset by name or id', () => {
    const { manager, listEvents } = setup();
    const first = manager.list()[0].id;
    expect(manager.create({ ...CONFIG, topK: 9 }).id).toBe(first);
    expect(listEvents).toHaveLength(1);
    manager.close(first);
    expect(manager.list()).toEqual([]);
    const resumed = manager.create({ ...CONFIG, topK: 4 });
    expect(resumed.id).toBe(first);
    expect(resumed.info()).toMatchObject({ resumed: true, topK: 4 });
    manager.close(first);
    expect(manager.get(first).id).toBe(first);
    expect(sidecarErrorOf(() => manager.get('no-such-session')).code).toBe(ErrorCodes.SessionNotFound);
  });

  it('refuses to resume a dataset with another model, naming the field', () => {
    const { manager } = setup();
    manager.close(manager.list()[0].id);
    const error = sidecarErrorOf(() => manager.create({ ...CONFIG, model: 'text-mlp' }));
    expect(error.data).toEqual({ kind: 'invalid_params', path: '/model' });
    expect(error.message).toContain("dataset 'banking' was labeled with model");
  });

  it('refuses unknown models, mismatched content types and missing shapes naming the field', () => {
    const { manager } = setup();
    expect(sidecarErrorOf(() => manager.create({ ...CONFIG, name: 'x', model: 'nope' })).data).toEqual({
      kind: 'invalid_params',
      path: '/model'
    });
    expect(sidecarErrorOf(() => manager.create({ ...CONFIG, name: 'y', contentType: 'image' })).data.path).toBe(
      '/contentType'
    );
    expect(
      sidecarErrorOf(() => manager.create({ ...CONFIG, name: 'z', model: 'mlp', contentType: 'vector' })).data.path
    ).toBe('/inputShape');
    expect(manager.list()).toHaveLength(1);
  });
});

describe('LabelingSession loading', () => {
  it('appends chunks in order and finishes loading on isLast', () => {
    const { manager, progressEvents, listEvents } = setup();
    const session = manager.get(manager.list()[0].id);
    expect(
      session.appendItems({ chunkIndex: 0, totalItems: 5, isLast: false, payload: itemsChunk(['a', 'b', 'c']) })
    ).toEqual({ loadedItems: 3, loading: true });
    expect(session.progress()).toMatchObject({ itemCount: 5, loadedItems: 3 });
    expect(
      session.appendItems({ chunkIndex: 1, totalItems: 5, isLast: true, payload: itemsChunk(['d', 'e'], 3) })
    ).toEqual({ loadedItems: 5, loading: false });
    expect(session.info().loading).toBe(false);
    expect(progressEvents.map(p => p.loadedItems)).toEqual([3, 5]);
    expect(listEvents).toHaveLength(2);
  });

  it('acknowledges a resent chunk without appending it twice', () => {
    const { manager, progressEvents } = setup();
    const session = manager.get(manager.list()[0].id);
    const chunk = { chunkIndex: 0, totalItems: 4, isLast: false, payload: itemsChunk(['a', 'b']) };
    session.appendItems(chunk);
    expect(session.appendItems(chunk)).toEqual({ loadedItems: 2, loading: true });
    expect(progressEvents).toHaveLength(1);
  });

  it('refuses a chunk out of order, naming chunkIndex', () => {
    const { manager } = setup();
    const session = manager.get(manager.list()[0].id);
    const error = sidecarErrorOf(() =>
      session.appendItems({ chunkIndex: 1, totalItems: 4, isLast: false, payload: itemsChunk(['a']) })
    );
    expect(error.code).toBe(ErrorCodes.InvalidParams);
    expect(error.data.path).toBe('/chunkIndex');
  });

  it('refuses a chunk with a bad row as a whole, naming the row', () => {
    const { manager } = setup();
    const session = manager.get(manager.list()[0].id);
    const error = sidecarErrorOf(() =>
      session.appendItems({ chunkIndex: 0, totalItems: 3, isLast: true, payload: itemsChunk(['a', null, 'c']) })
    );
    expect(error.code).toBe(ErrorCodes.BadData);
    expect(error.data.row).toBe(1);
    expect(session.progress().loadedItems).toBe(0);
    // The same chunk index can be sent again once fixed.
    session.appendItems({ chunkIndex: 0, totalItems: 3, isLast: true, payload: itemsChunk(['a', 'b', 'c']) });
    expect(session.progress().loadedItems).toBe(3);
  });

  it('refuses an id already in the pool', () => {
    const { manager } = setup();
    const session = manager.get(manager.list()[0].id);
    session.appendItems({ chunkIndex: 0, totalItems: 4, isLast: false, payload: itemsChunk(['a', 'b']) });
    const error = sidecarErrorOf(() =>
      session.appendItems({ chunkIndex: 1, totalItems: 4, isLast: true, payload: itemsChunk(['c', 'd'], 2, [7, 1]) })
    );
    expect(error.data).toEqual({ kind: 'bad_data', row: 3 });
  });
});

describe('LabelingSession questions', () => {
  it('serves nothing before two items are loaded', () => {
    const { manager } = setup();
    const session = manager.get(manager.list()[0].id);
    expect(session.nextQuestion('c1')).toBeNull();
    session.appendItems({ chunkIndex: 0, totalItems: 3, isLast: false, payload: itemsChunk(['only one']) });
    expect(session.nextQuestion('c1')).toBeNull();
    session.appendItems({ chunkIndex: 1, totalItems: 3, isLast: true, payload: itemsChunk(['two', 'three'], 1) });
    expect(session.nextQuestion('c1')?.query.index).toBe(0);
  });

  it('asks queries in dataset order with the nearest other items as candidates', () => {
    const { session } = loaded();
    const question = session.nextQuestion('c1');
    expect(question).not.toBeNull();
    expect(question?.query).toEqual({ id: 0, index: 0, text: TEXTS[0] });
    expect(question?.modelVersion).toBe(0);
    const candidates = question?.candidates ?? [];
    expect(candidates).toHaveLength(3);
    expect(candidates.map(c => c.id)).not.toContain(0);
    expect(
      candidates
        .slice(0, 2)
        .map(c => c.id)
        .sort()
    ).toEqual([1, 2]);
    expect(candidates[0].score).toBeGreaterThanOrEqual(candidates[1].score);
  });

  it('gives a connection the same question until it is answered, and others a different one', () => {
    const { session } = loaded();
    const first = session.nextQuestion('c1');
    expect(session.nextQuestion('c1')?.id).toBe(first?.id);
    const other = session.nextQuestion('c2');
    expect(other?.query.index).toBe(1);
    answer(session, 'c1', first?.id ?? '', 'a1');
    expect(session.nextQuestion('c1')?.query.index).toBe(2);
  });

  it('returns a closed connection’s question to the pool', () => {
    const { session } = loaded();
    const held = session.nextQuestion('c1');
    session.release('c1');
    const reassigned = session.nextQuestion('c2');
    expect(reassigned?.query.index).toBe(held?.query.index);
    expect(reassigned?.id).not.toBe(held?.id);
    // The superseded question can no longer be answered.
    expect(sidecarErrorOf(() => answer(session, 'c1', held?.id ?? '', 'late')).code).toBe(ErrorCodes.QuestionNotFound);
  });

  it('returns null when every query is answered or held', () => {
    const { session } = loaded(['a', 'b']);
    const q1 = session.nextQuestion('c1');
    session.nextQuestion('c2');
    expect(session.nextQuestion('c3')).toBeNull();
    answer(session, 'c1', q1?.id ?? '', 'x');
    expect(session.nextQuestion('c1')).toBeNull();
  });
});

describe('LabelingSession answers', () => {
  it('counts positives, negatives and done, and stores the answer first', () => {
    const { session, store, progressEvents } = loaded();
    const question = session.nextQuestion('c1');
    const relevant = [question?.candidates[0].id as number];
    const result = answer(session, 'c1', question?.id ?? '', 'a1', relevant);
    expect(result).toEqual({
      duplicate: false,
      progress: {
        done: 1,
        positive: 1,
        negative: 2,
        ignored: 0,
        modelVersion: 0,
        itemCount: 6,
        loadedItems: 6,
        saved: 1,
        roundDone: 1,
        round: 1,
        lastLoss: null,
        training: false,
        finished: false
      }
    });
    expect(store.answers(session.id)).toEqual([
      expect.objectContaining({ answerId: 'a1', relevantIds: relevant, undone: false })
    ]);
    expect(progressEvents.at(-1)).toEqual(result.progress);
  });

  it('treats a resent answerId as a duplicate that changes nothing', () => {
    const { session, store } = loaded();
    const question = session.nextQuestion('c1');
    const first = answer(session, 'c1', question?.id ?? '', 'a1');
    const again = answer(session, 'c1', question?.id ?? '', 'a1');
    expect(again).toEqual({ duplicate: true, progress: first.progress });
    expect(store.answers(session.id)).toHaveLength(1);
  });

  it('records ignore as one ignored question', () => {
    const { session } = loaded();
    const question = session.nextQuestion('c1');
    const result = session.answer('c1', { questionId: question?.id ?? '', answerId: 'i', relevant: [], ignore: true });
    expect(result.progress).toMatchObject({ done: 1, positive: 0, negative: 0, ignored: 1 });
  });

  it('refuses relevant ids that are not candidates, naming the position', () => {
    const { session } = loaded();
    const question = session.nextQuestion('c1');
    const candidate = question?.candidates[0].id as number;
    const error = sidecarErrorOf(() => answer(session, 'c1', question?.id ?? '', 'a', [candidate, 0]));
    expect(error.code).toBe(ErrorCodes.InvalidParams);
    expect(error.data.path).toBe('/relevant/1');
    expect(session.progress().done).toBe(0);
  });

  it('refuses unknown questions and a second answer to the same question', () => {
    const { session } = loaded();
    expect(sidecarErrorOf(() => answer(session, 'c1', 'nope', 'a')).code).toBe(ErrorCodes.QuestionNotFound);
    const question = session.nextQuestion('c1');
    answer(session, 'c1', question?.id ?? '', 'a1');
    expect(sidecarErrorOf(() => answer(session, 'c1', question?.id ?? '', 'a2')).code).toBe(
      ErrorCodes.QuestionNotFound
    );
  });

  it('undoes the latest answer: counts back, its query asked next', () => {
    const { session, store } = loaded();
    const q1 = session.nextQuestion('c1');
    answer(session, 'c1', q1?.id ?? '', 'a1', [q1?.candidates[0].id as number]);
    const q2 = session.nextQuestion('c1');
    answer(session, 'c1', q2?.id ?? '', 'a2');
    const q3 = session.nextQuestion('c1');

    const undone = session.undo('c1');
    expect(undone.undoneQuestionId).toBe(q2?.id);
    expect(undone.progress).toMatchObject({ done: 1, positive: 1, negative: 2 });
    expect(store.answers(session.id).map(a => a.undone)).toEqual([false, true]);

    // The prefetched q3 is handed back behind the undone query.
    const redo = session.nextQuestion('c1');
    expect(redo?.query.index).toBe(q2?.query.index);
    expect(redo?.id).not.toBe(q2?.id);
    answer(session, 'c1', redo?.id ?? '', 'a3');
    expect(session.nextQuestion('c1')?.query.index).toBe(q3?.query.index);

    // A resend of the undone answer stays a no-op.
    expect(answer(session, 'c1', q2?.id ?? '', 'a2').duplicate).toBe(true);
    expect(session.undo('c1').undoneQuestionId).toBe(redo?.id);
    expect(session.undo('c1').undoneQuestionId).toBe(q1?.id);
    expect(session.undo('c1')).toEqual({
      progress: expect.objectContaining({ done: 0, positive: 0 }),
      undoneQuestionId: null
    });
  });
});

describe('LabelingSession rounds and start question', () => {
  it('counts answers within rounds of questionsPerRound, undo included', async () => {
    const { session } = loaded();
    await session.configure({ questionsPerRound: 2 });
    const rounds: [number | undefined, number | undefined][] = [];
    for (let i = 0; i < 3; i++) {
      const question = session.nextQuestion('c1');
      const { progress } = answer(session, 'c1', question?.id ?? '', `a${i}`);
      rounds.push([progress.round, progress.roundDone]);
    }
    expect(rounds).toEqual([
      [1, 1],
      [2, 0],
      [2, 1]
    ]);
    expect(session.undo('c1').progress).toMatchObject({ round: 2, roundDone: 0 });
  });

  it('asks the start question next, even one answered before, and hands back what the caller held', async () => {
    const { session } = loaded();
    const first = session.nextQuestion('c1');
    answer(session, 'c1', first?.id ?? '', 'a1');
    const held = session.nextQuestion('c1');
    await session.configure({ startQuestion: 4 }, 'c1');
    expect(session.nextQuestion('c1')?.query.index).toBe(4);
    await session.configure({ startQuestion: first?.query.index }, 'c1');
    const again = session.nextQuestion('c1');
    expect(again?.query.index).toBe(first?.query.index);
    expect(again?.id).not.toBe(first?.id);
    // The question c1 held before is asked again later, not lost.
    const asked = new Set<number>();
    for (let q = session.nextQuestion('c1'), i = 0; q !== null && i < 10; q = session.nextQuestion('c1'), i++) {
      asked.add(q.query.index);
      answer(session, 'c1', q.id, `b${i}`);
    }
    expect(asked.has(held?.query.index as number)).toBe(true);
  });

  it('refuses a start question outside the pool or held by another connection, naming the field', async () => {
    const { session } = loaded();
    const error = await session.configure({ startQuestion: 99 }, 'c1').catch(err => err);
    expect(error.data).toEqual({ kind: 'invalid_params', path: '/startQuestion' });
    expect(error.message).toContain('no item has index 99');
    const other = session.nextQuestion('c2');
    const busy = await session.configure({ startQuestion: other?.query.index }, 'c1').catch(err => err);
    expect(busy.message).toContain('another connection');
    expect(session.nextQuestion('c2')?.id).toBe(other?.id);
  });
});
