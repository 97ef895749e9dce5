import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionConfig } from '../../protocol/messages';
import { itemsChunk, vectorsChunk } from '../testing/arrowChunks';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';
import { waitFor } from '../testing/waitFor';
import { SqliteLabelStore } from '../store/sqliteLabelStore';
import type { LabelingSession } from './labelingSession';
import { SessionManager } from './sessionManager';

const CONFIG: SessionConfig = {
  name: 'support',
  task: 'similarity',
  model: 'hashed-ngram',
  contentType: 'text',
  topK: 2,
  queryOrder: 'sequential'
};

const TEXTS = [
  'reset my card pin',
  'how to reset the pin of my card',
  'card pin reset please',
  'exchange rate for euros',
  'what is the euro exchange rate',
  'my card was stolen',
  'someone stole my card',
  'top up by bank transfer'
];

/** A file-backed store and a manager over it; `restart()` drops every live session, as a sidecar crash does. */
function sidecar(file = join(mkdtempSync(join(tmpdir(), 'tunelab-restore-')), 'labels.sqlite3')) {
  const store = SqliteLabelStore.open({ file });
  const manager = new SessionManager(store, { progressChanged: () => undefined, sessionsChanged: () => undefined });
  return { store, manager, file, restart: () => sidecar(file) };
}

function load(session: LabelingSession, texts: readonly string[], uploadId?: string): void {
  session.appendItems({ chunkIndex: 0, totalItems: texts.length, isLast: true, payload: itemsChunk(texts), uploadId });
}

function answerNext(session: LabelingSession, holder: string, answerId: string, relevant = true) {
  const question = session.nextQuestion(holder);
  if (question === null) {
    throw new Error('no question');
  }
  session.answer(holder, {
    questionId: question.id,
    answerId,
    relevant: relevant ? [question.candidates[0].id] : [],
    ignore: false
  });
  return question;
}

describe('Restoring a dataset from the store', () => {
  it('comes back after a crash with the same id, counts and labels, and asks no answered query again', async () => {
    const first = sidecar();
    const session = first.manager.create(CONFIG);
    load(session, TEXTS);
    const asked = [answerNext(session, 'c1', 'a1'), answerNext(session, 'c1', 'a2', false)];
    answerNext(session, 'c1', 'a3');
    session.undo('c1');
    const before = { progress: session.progress(), labels: session.labels() };

    const second = first.restart();
    const restored = second.manager.get(session.id);
    await restored.settled();
    expect(restored.id).toBe(session.id);
    expect(restored.progress()).toEqual(before.progress);
    expect(restored.labels()).toEqual(before.labels);
    const answered = new Set(asked.map(q => q.query.index));
    for (let i = 0; i < TEXTS.length; i++) {
      const question = restored.nextQuestion('c2');
      if (question === null) {
        break;
      }
      expect(answered.has(question.query.index)).toBe(false);
      restored.answer('c2', { questionId: question.id, answerId: `b${i}`, relevant: [], ignore: true });
    }
    // Undo after a restart reverts the latest answer recorded before it.
    expect(restored.labels().filter(a => !a.undone).length).toBeGreaterThan(2);
  });

  it('accepts the answer to a question that was open when the sidecar died', async () => {
    const first = sidecar();
    const session = first.manager.create(CONFIG);
    load(session, TEXTS);
    answerNext(session, 'c1', 'a1');
    const open = session.nextQuestion('c1');
    if (open === null) {
      throw new Error('no question');
    }

    const restored = first.restart().manager.get(session.id);
    await restored.settled();
    expect(restored.progress().done).toBe(1);
    // The browser resends (or the annotator answers) the question still on screen, from a new connection.
    const result = restored.answer('c2', {
      questionId: open.id,
      answerId: 'a2',
      relevant: [open.candidates[1].id],
      ignore: false
    });
    expect(result).toMatchObject({ duplicate: false, progress: { done: 2 } });
    expect(restored.labels().at(-1)).toMatchObject({ answerId: 'a2', relevantIds: [open.candidates[1].id] });
    // Its query is answered now: it is not asked again.
    const next = restored.nextQuestion('c2');
    expect(next?.query.index).not.toBe(open.query.index);
  });

  it('refuses the answer to a question open at the crash whose query was answered since', async () => {
    const first = sidecar();
    const session = first.manager.create(CONFIG);
    load(session, TEXTS);
    const open = session.nextQuestion('c1');
    if (open === null) {
      throw new Error('no question');
    }
    const second = first.restart();
    const restored = second.manager.get(session.id);
    await restored.settled();
    // Another annotator is asked the same query anew (sequential order) and answers it.
    const again = answerNext(restored, 'c2', 'b1');
    expect(again.query.index).toBe(open.query.index);
    const late = () => restored.answer('c3', { questionId: open.id, answerId: 'a1', relevant: [], ignore: true });
    expect(sidecarErrorOf(late).message).toContain('no longer open (superseded)');
    // And after one more restart, the stale question is still not answerable.
    const third = second.restart().manager.get(session.id);
    await third.settled();
    expect(
      sidecarErrorOf(() => third.answer('c3', { questionId: open.id, answerId: 'a1', relevant: [], ignore: true }))
        .message
    ).toContain('does not belong');
    expect(third.progress().done).toBe(1);
  });

  it('resumes by name, and re-adding the same data adds nothing while new rows are appended', async () => {
    const first = sidecar();
    const session = first.manager.create(CONFIG);
    load(session, TEXTS.slice(0, 5));
    answerNext(session, 'c1', 'a1');

    const second = first.restart();
    const resumed = second.manager.create({ ...CONFIG, topK: 3 });
    expect(resumed.info()).toMatchObject({ id: session.id, resumed: true, topK: 3, loading: false });
    load(resumed, TEXTS, 'second-upload');
    await resumed.settled();
    expect(resumed.progress()).toMatchObject({ itemCount: 8, loadedItems: 8, done: 1 });
    load(resumed, TEXTS, 'third-upload');
    expect(resumed.progress()).toMatchObject({ itemCount: 8, loadedItems: 8 });

    const third = second.restart();
    expect(third.manager.get(session.id).progress()).toMatchObject({ itemCount: 8, done: 1 });
  });

  it('refuses re-added data whose id now holds other content, naming the row', () => {
    const { manager } = sidecar();
    const session = manager.create(CONFIG);
    load(session, TEXTS.slice(0, 3));
    const error = sidecarErrorOf(() => load(session, ['something else', ...TEXTS.slice(1, 3)], 'again'));
    expect(error.data).toEqual({ kind: 'bad_data', row: 0 });
    expect(error.message).toContain('already in dataset');
  });

  it('imports answers once, refuses unknown items naming the answer, and exports what it holds', () => {
    const { manager } = sidecar();
    const session = manager.create(CONFIG);
    load(session, TEXTS);
    const record = {
      answerId: 'imp-1',
      queryId: 0,
      candidateIds: [1, 2],
      relevantIds: [1],
      ignored: false,
      annotator: 'ann',
      time: '2026-01-01T00:00:00.000Z',
      modelVersion: 0
    };
    expect(session.importAnswers([record])).toEqual({ imported: 1, duplicates: 0 });
    expect(session.importAnswers([record])).toEqual({ imported: 0, duplicates: 1 });
    expect(session.progress()).toMatchObject({ done: 1, positive: 1, negative: 1 });
    expect(session.labelRecords()).toEqual([record]);
    const error = sidecarErrorOf(() => session.importAnswers([{ ...record, answerId: 'imp-2', queryId: 99 }]));
    expect(error.message).toContain("answer 'imp-2': item 99 is not in dataset 'support'");
    expect(session.progress().done).toBe(1);
    // An imported query is not asked again.
    expect(session.nextQuestion('c1')?.query.index).toBe(1);
  });
});

describe('Restoring a trainable dataset', () => {
  it('restores the latest model version: same version, same embeddings', async () => {
    const first = sidecar();
    const config: SessionConfig = {
      ...CONFIG,
      name: 'vectors',
      model: 'mlp',
      contentType: 'vector',
      inputShape: [4],
      seed: 3
    };
    const session = await first.manager.createReady(config);
    session.appendItems({ chunkIndex: 0, totalItems: 8, isLast: true, payload: vectorChunk(8) });
    await session.settled();
    answerNext(session, 'c1', 'a1');
    await session.waitForModel(1, 60_000);
    const embedded = await session.embed(vectorChunk(3));
    await waitFor(() => first.store.modelVersions(session.id).some(v => v.version === 1 && v.path !== null));
    first.manager.closeAll();

    const second = first.restart();
    const restored = second.manager.get(session.id);
    await restored.ready;
    await restored.settled();
    expect(restored.modelVersion).toBe(1);
    expect(restored.history().map(v => v.version)).toEqual([0, 1]);
    const again = await restored.embed(vectorChunk(3));
    expect(Array.from(again.vectors)).toEqual(Array.from(embedded.vectors));
    second.manager.closeAll();
  }, 120_000);
});

function vectorChunk(rows: number): Uint8Array {
  const values = Float32Array.from({ length: rows * 4 }, (_, i) => Math.sin(i * 1.7) + (i % 4));
  return vectorsChunk(values, 4);
}
