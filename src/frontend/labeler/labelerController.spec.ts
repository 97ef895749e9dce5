import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from '../testing/fakeConnection';
import { FakeSession } from '../testing/fakeSession';
import { FakeStorage } from '../testing/fakeStorage';
import { progress, sessionInfo } from '../testing/fixtures';
import { outboxStorageKey } from './answerOutbox';
import { LabelerController } from './labelerController';

const flush = async (times = 4) => {
  for (let i = 0; i < times; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};

const storeUnavailable = () =>
  new SidecarError(
    'question/answer: the label store at /data/labels.sqlite is read-only (SQLITE_READONLY)',
    ErrorCodes.StoreUnavailable,
    'store_unavailable'
  );

describe('LabelerController', () => {
  let connection: FakeConnection;
  let session: FakeSession;
  let storage: FakeStorage;
  let controller: LabelerController;

  const create = (options: { answerSettleMs?: number } = {}) =>
    new LabelerController(connection, 's1', { answerSettleMs: 0, storage, ...options });

  beforeEach(async () => {
    connection = new FakeConnection();
    session = new FakeSession(connection, ['q1', 'q2', 'q3', 'q4']);
    storage = new FakeStorage();
    controller = create();
    await controller.start();
  });

  afterEach(() => controller.dispose());

  it('subscribes to the session and shows its first question, with one in reserve', () => {
    expect(connection.calls.map(c => c.name)).toEqual(['subscribe', 'nextQuestions']);
    expect(connection.paramsOf('nextQuestions')).toEqual([{ sessionId: 's1', count: 2 }]);
    expect(controller.state.phase).toBe('ready');
    expect(controller.state.question?.id).toBe('q1');
    expect(controller.state.session?.name).toBe('quickstart');
    expect(controller.state.save).toMatchObject({ state: 'idle', pending: 0 });
  });

  it('toggles and inverts over every candidate, ignoring positions past the last', () => {
    const count = controller.shownCandidates.length;
    controller.toggle(0);
    controller.toggle(count); // no such candidate
    expect([...controller.state.selection]).toEqual([0]);
    controller.invert();
    expect([...controller.state.selection].sort()).toEqual([...Array(count).keys()].slice(1));
  });

  it('submits the selected candidates as relevant and shows the next question without waiting', async () => {
    controller.toggle(0);
    controller.toggle(2);
    controller.submit();
    expect(controller.state.question?.id).toBe('q2');
    expect(controller.state.selection.size).toBe(0);
    expect(controller.state.save).toMatchObject({ state: 'saving', pending: 1, label: 'saving…' });
    await flush();
    const [answer] = connection.paramsOf('answer');
    expect(answer).toMatchObject({ sessionId: 's1', questionId: 'q1', relevant: ['c0', 'c2'], ignore: false });
    expect(answer.answerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(controller.state.save).toMatchObject({ state: 'saved', pending: 0, label: 'saved' });
    expect(controller.state.progress).toMatchObject({ done: 1, positive: 2, negative: 2 });
    // Once the answer is recorded, the reserve is refilled.
    expect(connection.calls.map(c => c.name)).toEqual(['subscribe', 'nextQuestions', 'answer', 'nextQuestions']);
    expect(storage.items.has(outboxStorageKey('s1'))).toBe(false);
  });

  it('skips with ignore and no relevant candidates', async () => {
    controller.toggle(1);
    controller.skip();
    await flush();
    expect(connection.paramsOf('answer')[0]).toMatchObject({ relevant: [], ignore: true });
  });

  it('goes on while answers are unacknowledged, and asks for more only once they are recorded', async () => {
    let acknowledge = (): void => undefined;
    session.answerGate = new Promise<void>(resolve => (acknowledge = resolve));
    controller.toggle(0);
    controller.submit();
    expect(controller.state.question?.id).toBe('q2');
    controller.toggle(1);
    controller.submit();
    await flush();
    // q2 was the reserve; nothing more is asked while q1 is in flight (q1 could come back).
    expect(controller.state.question).toBeNull();
    expect(controller.state.save).toMatchObject({ state: 'saving', pending: 2, label: 'saving… (2 pending)' });
    expect(connection.paramsOf('nextQuestions')).toHaveLength(1);
    expect(connection.paramsOf('answer').map(a => a.questionId)).toEqual(['q1']);

    acknowledge();
    session.answerGate = null;
    await flush();
    expect(connection.paramsOf('answer').map(a => a.questionId)).toEqual(['q1', 'q2']);
    expect(controller.state.question?.id).toBe('q3');
    expect(controller.state.save.state).toBe('saved');
    expect(controller.state.answered.map(a => a.question.id)).toEqual(['q1', 'q2']);
  });

  it('keeps an answer made while disconnected and resends it once on reconnection', async () => {
    connection.drop();
    controller.toggle(0);
    controller.submit();
    await flush();
    expect(controller.state.question?.id).toBe('q2'); // the reserve: no waiting on the network
    expect(controller.state.save).toMatchObject({
      state: 'queued',
      pending: 1,
      label: 'offline — 1 answer kept, will resend'
    });
    expect(storage.json(outboxStorageKey('s1'))).toHaveLength(1);

    session.release(); // the sidecar saw the connection close
    connection.reconnect();
    await flush(8);
    const sent = connection.paramsOf('answer');
    expect(sent).toHaveLength(2); // the failed attempt and one resend
    expect(sent[1]).toEqual(sent[0]);
    expect(session.recorded.map(a => a.questionId)).toEqual(['q1']);
    expect(controller.state.save).toMatchObject({ state: 'saved', pending: 0 });
    expect(controller.state.dropped).toBeNull();
    expect(storage.items.has(outboxStorageKey('s1'))).toBe(false);
    // The untouched q2 came from the closed connection: it was replaced by one this connection holds.
    expect(controller.state.question?.id).toBe('q2#2');
  });

  it('resends answers a previous page left in storage before asking for a question (a reload)', async () => {
    connection.drop();
    controller.toggle(3);
    controller.submit();
    await flush();
    controller.dispose(); // the page is reloaded
    session.release();

    connection = new FakeConnection();
    session.attach(connection);
    controller = create();
    expect(controller.state.save).toMatchObject({ state: 'saving', pending: 1 });
    await controller.start();
    await flush();
    expect(connection.calls.map(c => c.name)).toEqual(['subscribe', 'answer', 'nextQuestions']);
    // Sent before any question was asked, so q1 was not handed out again and superseded.
    expect(session.recorded).toEqual([expect.objectContaining({ questionId: 'q1', relevant: ['c3'] })]);
    expect(controller.state.save.state).toBe('saved');
    expect(controller.state.question?.id).toBe('q2#2');
  });

  it('counts duplicate: true as acknowledged when only the acknowledgement was lost', async () => {
    const answer = connection.handlers.answer as NonNullable<typeof connection.handlers.answer>;
    connection.handlers.answer = async params => {
      await answer(params); // recorded...
      throw new SidecarError(
        'question/answer: the connection to the Tunelab sidecar was lost',
        null,
        'connection_lost'
      );
    };
    controller.toggle(0);
    controller.submit();
    await flush();
    expect(controller.state.save.state).toBe('queued');

    connection.handlers.answer = answer;
    connection.reconnect();
    await flush(8);
    expect(session.recorded).toHaveLength(1);
    expect(controller.state.save).toMatchObject({ state: 'saved', pending: 0 });
    expect(controller.state.answered.map(a => a.question.id)).toEqual(['q1']);
  });

  it('drops an answer the sidecar refuses for good, and says so until dismissed', async () => {
    session.answerError = new SidecarError(
      "question/answer: question 'q1' is no longer open (superseded)",
      ErrorCodes.QuestionNotFound,
      'question_not_found'
    );
    controller.submit();
    await flush();
    expect(controller.state.dropped).toBe(
      "Your answer to “query of q1” was refused and will not be resent: question 'q1' is no longer open (superseded)"
    );
    expect(controller.state.save).toMatchObject({ state: 'error', pending: 0, label: 'error: answer not saved' });
    expect(controller.state.answered).toEqual([]);
    expect(storage.items.has(outboxStorageKey('s1'))).toBe(false);
    expect(controller.state.question?.id).toBe('q2');

    controller.dismissDropped();
    expect(controller.state.dropped).toBeNull();
    expect(controller.state.save.state).toBe('idle');
  });

  it('keeps answers while the label store cannot write, and sends them when it can', async () => {
    session.answerError = storeUnavailable();
    controller.toggle(0);
    controller.submit();
    await flush();
    expect(controller.state.save).toMatchObject({ state: 'queued', pending: 1 });
    expect(controller.state.save.detail).toBe(
      'The label store cannot write: the label store at /data/labels.sqlite is read-only (SQLITE_READONLY); ' +
        'your answer is kept in this browser and will be resent.'
    );
    expect(controller.state.dropped).toBeNull();
    expect(controller.state.question?.id).toBe('q2');
    controller.undo(); // would undo an earlier answer than the queued one
    await flush();
    expect(connection.paramsOf('undo')).toHaveLength(0);
    expect(controller.state.error).toMatch(/Undo waits until your answers are saved/);

    session.answerError = null;
    controller.skip(); // a new answer sends the queue again, oldest first
    await flush(8);
    expect(session.recorded.map(a => a.questionId)).toEqual(['q1', 'q2']);
    expect(controller.state.save).toMatchObject({ state: 'saved', pending: 0 });
    expect(controller.state.question?.id).toBe('q3');
  });

  it('undoes the last answer, then shows the undone query again', async () => {
    controller.submit();
    await flush();
    controller.undo();
    await flush();
    expect(connection.calls.map(c => c.name)).toEqual([
      'subscribe',
      'nextQuestions',
      'answer',
      'nextQuestions',
      'undo',
      'nextQuestions'
    ]);
    expect(controller.state.question?.id).toBe('q1#2');
    expect(controller.state.save.state).toBe('idle');
  });

  it('says when no question is left, and asks again as more items load', async () => {
    session.pool = [];
    controller.skip();
    controller.skip();
    await flush();
    expect(controller.state.question).toBeNull();
    session.pool = ['q9'];
    connection.onNotification.progress.emit({ sessionId: 's1', progress: progress({ loadedItems: 200 }) });
    await flush();
    expect(controller.state.question?.id).toBe('q9');
  });

  it('marks the session closed when it disappears from the list', () => {
    connection.onNotification.sessionsChanged.emit({ sessions: [] });
    expect(controller.state.phase).toBe('closed');
    expect(controller.state.question).toBeNull();
  });

  it('ignores a submit right after a new question appears (double click, Finetuner #85)', async () => {
    const guarded = create({ answerSettleMs: 60_000 });
    await guarded.start();
    guarded.submit();
    guarded.skip();
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(0);
    guarded.toggle(0); // a toggle shows the question was seen
    guarded.submit();
    guarded.submit(); // the next question just appeared
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(1);
    guarded.dispose();
  });

  it('drops the reserve and replaces an untouched question after a reconnection', async () => {
    connection.drop();
    session.release();
    connection.reconnect();
    await flush();
    expect(controller.state.question?.id).toBe('q1#2');
    controller.submit();
    expect(controller.state.question?.id).toBe('q2#2'); // not q2, handed back with the closed connection
  });

  it('keeps no question in reserve with "keep same question", so the answered query comes back next', async () => {
    connection.handlers.configure = () => {
      session.release(); // a start question, to begin afresh
      return sessionInfo({ keepSameQuestion: true });
    };
    const fields = [{ key: 'startQuestion', label: 'Start question', help: '', kind: 'integer' }] as const;
    await controller.configure({ keepSameQuestion: true, startQuestion: 0 }, fields);
    expect(connection.paramsOf('nextQuestions').slice(-1)).toEqual([{ sessionId: 's1', count: 1 }]);
    controller.submit();
    expect(controller.state.question).toBeNull(); // waits for the sidecar's next pick
  });

  it('keeps a question the annotator has started on across a reconnection', async () => {
    controller.toggle(1);
    connection.drop();
    session.release();
    connection.reconnect();
    await flush();
    expect(controller.state.question?.id).toBe('q1');
    expect([...controller.state.selection]).toEqual([1]);
    controller.submit();
    await flush();
    expect(session.recorded.map(a => a.questionId)).toEqual(['q1']);
    expect(controller.state.question?.id).toBe('q2#2');
  });

  it('reviews answered questions read-only with back and forward, then returns to the current one', async () => {
    controller.toggle(1);
    controller.submit();
    await flush();
    controller.skip();
    await flush();
    expect(controller.state.answered.map(a => a.question.id)).toEqual(['q1', 'q2']);
    expect(controller.state.question?.id).toBe('q3');

    controller.back();
    expect(controller.state.review).toBe(1);
    expect(controller.state.answered[1].ignored).toBe(true);
    controller.back();
    controller.back(); // stays on the oldest
    expect(controller.state.review).toBe(0);
    expect([...controller.state.answered[0].selection]).toEqual([1]);

    controller.toggle(2); // read-only
    controller.submit();
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(2);
    expect(controller.state.selection.size).toBe(0);

    controller.forward();
    expect(controller.state.review).toBe(1);
    controller.forward();
    expect(controller.state.review).toBeNull();
    controller.forward(); // already on the current question
    expect(controller.state.review).toBeNull();
  });

  it('drops the undone answer from the review list', async () => {
    controller.submit();
    await flush();
    controller.back();
    controller.undo();
    await flush();
    expect(controller.state.review).toBeNull();
    expect(controller.state.answered).toHaveLength(0);
  });

  it('applies options and maps an InvalidParams error to the field its path names', async () => {
    connection.handlers.configure = params => sessionInfo({ epochs: params.epochs });
    const fields = [{ key: 'epochs', label: 'Epochs', help: '', kind: 'integer' }] as const;
    expect(await controller.configure({ epochs: 5 }, fields)).toEqual({ ok: true });
    expect(controller.state.session?.epochs).toBe(5);

    connection.handlers.configure = () => {
      throw new SidecarError('session/configure: too many', ErrorCodes.InvalidParams, 'invalid_params', '/epochs');
    };
    const result = await controller.configure({ epochs: 999 }, fields);
    expect(result).toEqual({ ok: false, errors: { epochs: 'session/configure: too many' }, error: null });
    expect(controller.state.configuring).toBe(false);
  });

  it('shows the start question at once after setting it', async () => {
    connection.handlers.configure = () => {
      session.release();
      session.pool.unshift('q7');
      return sessionInfo();
    };
    const fields = [{ key: 'startQuestion', label: 'Start question', help: '', kind: 'integer' }] as const;
    expect(await controller.configure({ startQuestion: 7 }, fields)).toEqual({ ok: true });
    expect(connection.paramsOf('configure')).toEqual([{ sessionId: 's1', startQuestion: 7 }]);
    expect(controller.state.question?.id).toBe('q7');
    controller.submit();
    expect(controller.state.question?.id).toBe('q1#2'); // the reserve was refetched too
  });

  it('saves the model and reports the path, then finishes', async () => {
    connection.handlers.saveModel = () => ({ modelVersion: 3, path: '/root/models/q', files: ['model.json'] });
    connection.handlers.finish = () => ({ progress: progress({ finished: true }) });
    await controller.saveModel('models/q');
    expect(connection.paramsOf('saveModel')).toEqual([{ sessionId: 's1', path: 'models/q' }]);
    expect(controller.state.modelSave).toMatchObject({ status: 'saved', path: '/root/models/q', modelVersion: 3 });
    await controller.finish();
    expect(controller.state.progress?.finished).toBe(true);
    expect(controller.readOnly).toBe(true);
  });

  it('sends queued answers before finishing', async () => {
    connection.handlers.finish = () => ({ progress: progress({ finished: true }) });
    let acknowledge = (): void => undefined;
    session.answerGate = new Promise<void>(resolve => (acknowledge = resolve));
    controller.submit();
    const finished = controller.finish();
    await flush();
    expect(connection.paramsOf('finish')).toHaveLength(0);
    acknowledge();
    await finished;
    const names = connection.calls.map(c => c.name);
    expect(names.indexOf('finish')).toBeGreaterThan(names.indexOf('answer'));
    expect(session.recorded).toHaveLength(1);
  });

  it('unsubscribes when disposed', async () => {
    controller.dispose();
    await flush();
    expect(connection.paramsOf('unsubscribe')).toEqual([{ sessionId: 's1' }]);
  });
});
