import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from '../testing/fakeConnection';
import { progress, question, sessionInfo } from '../testing/fixtures';
import { LabelerController } from './labelerController';

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('LabelerController', () => {
  let connection: FakeConnection;
  let controller: LabelerController;
  let questions: string[];

  beforeEach(async () => {
    connection = new FakeConnection();
    questions = ['q1', 'q2', 'q3'];
    connection.handlers = {
      subscribe: () => sessionInfo(),
      unsubscribe: () => ({}),
      nextQuestion: () => ({ question: questions.length ? question(questions.shift() as string) : null }),
      answer: params => ({
        progress: progress({ done: 1, positive: params.relevant.length, negative: 4 - params.relevant.length }),
        duplicate: false
      }),
      undo: () => ({ progress: progress(), undoneQuestionId: 'q1' })
    };
    controller = new LabelerController(connection, 's1', { answerSettleMs: 0 });
    await controller.start();
  });

  afterEach(() => controller.dispose());

  it('subscribes to the session and shows its first question', () => {
    expect(connection.calls.map(c => c.name)).toEqual(['subscribe', 'nextQuestion']);
    expect(controller.state.phase).toBe('ready');
    expect(controller.state.question?.id).toBe('q1');
    expect(controller.state.session?.name).toBe('quickstart');
  });

  it('toggles and inverts over every candidate, ignoring positions past the last', () => {
    const count = controller.shownCandidates.length;
    controller.toggle(0);
    controller.toggle(count); // no such candidate
    expect([...controller.state.selection]).toEqual([0]);
    controller.invert();
    expect([...controller.state.selection].sort()).toEqual([...Array(count).keys()].slice(1));
  });

  it('submits the selected candidates as relevant, then fetches the next question', async () => {
    controller.toggle(0);
    controller.toggle(2);
    controller.submit();
    expect(controller.state.saving).toBe('saving');
    await flush();
    await flush();
    const [answer] = connection.paramsOf('answer');
    expect(answer).toMatchObject({ sessionId: 's1', questionId: 'q1', relevant: ['c0', 'c2'], ignore: false });
    expect(answer.answerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(controller.state.saving).toBe('saved');
    expect(controller.state.progress).toMatchObject({ done: 1, positive: 2, negative: 2 });
    expect(controller.state.question?.id).toBe('q2');
    expect(controller.state.selection.size).toBe(0);
  });

  it('skips with ignore and no relevant candidates', async () => {
    controller.toggle(1);
    controller.skip();
    await flush();
    expect(connection.paramsOf('answer')[0]).toMatchObject({ relevant: [], ignore: true });
  });

  it('keeps the question and the answer id when saving fails, so a resend is idempotent', async () => {
    connection.handlers.answer = () => {
      throw new SidecarError(
        'question/answer: the connection to the Tunelab sidecar was lost',
        null,
        'connection_lost'
      );
    };
    controller.toggle(1);
    controller.submit();
    await flush();
    expect(controller.state.error).toMatch(/connection to the Tunelab sidecar was lost/);
    expect(controller.state.question?.id).toBe('q1');
    expect(controller.state.saving).toBe('idle');

    controller.submit();
    await flush();
    controller.toggle(2);
    controller.submit();
    await flush();
    const [first, resend, changed] = connection.paramsOf('answer');
    expect(resend.answerId).toBe(first.answerId);
    expect(changed.answerId).not.toBe(first.answerId);
  });

  it('moves on when the sidecar no longer knows the question', async () => {
    connection.handlers.answer = () => {
      throw new SidecarError('question/answer: no question q1', ErrorCodes.QuestionNotFound, 'question_not_found');
    };
    controller.submit();
    await flush();
    await flush();
    expect(controller.state.error).toMatch(/no question q1/);
    expect(controller.state.question?.id).toBe('q2');
  });

  it('undoes the last answer, then asks for a question again', async () => {
    controller.undo();
    await flush();
    await flush();
    expect(connection.calls.map(c => c.name)).toEqual(['subscribe', 'nextQuestion', 'undo', 'nextQuestion']);
  });

  it('says when no question is left, and asks again as more items load', async () => {
    questions = [];
    controller.skip();
    await flush();
    await flush();
    expect(controller.state.question).toBeNull();
    questions = ['q9'];
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
    const guarded = new LabelerController(connection, 's1', { answerSettleMs: 60_000 });
    await guarded.start();
    guarded.submit();
    guarded.skip();
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(0);
    guarded.toggle(0); // a toggle shows the question was seen
    guarded.submit();
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(1);
    guarded.dispose();
  });

  it('ignores a second submit while the first answer is in flight', async () => {
    controller.submit();
    controller.submit();
    controller.skip();
    await flush();
    await flush();
    expect(connection.paramsOf('answer')).toHaveLength(1);
  });

  it('reviews answered questions read-only with back and forward, then returns to the current one', async () => {
    controller.toggle(1);
    controller.submit();
    await flush();
    await flush();
    controller.skip();
    await flush();
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
    await flush();
    controller.back();
    connection.handlers.undo = () => ({ progress: progress(), undoneQuestionId: 'q1' });
    controller.undo();
    await flush();
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
    connection.handlers.configure = () => sessionInfo();
    questions = ['q7'];
    const fields = [{ key: 'startQuestion', label: 'Start question', help: '', kind: 'integer' }] as const;
    expect(await controller.configure({ startQuestion: 7 }, fields)).toEqual({ ok: true });
    expect(connection.paramsOf('configure')).toEqual([{ sessionId: 's1', startQuestion: 7 }]);
    expect(controller.state.question?.id).toBe('q7');
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

  it('unsubscribes when disposed', async () => {
    controller.dispose();
    await flush();
    expect(connection.paramsOf('unsubscribe')).toEqual([{ sessionId: 's1' }]);
  });
});
