import type { ParamsOf } from '../../protocol';
import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from '../testing/fakeConnection';
import { FakeStorage } from '../testing/fakeStorage';
import { progress } from '../testing/fixtures';
import {
  acquireOutbox,
  AnswerOutbox,
  classify,
  IAcknowledgedAnswer,
  IDroppedAnswer,
  outboxStorageKey
} from './answerOutbox';

const flush = () => new Promise(resolve => setTimeout(resolve, 0));
const wait = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function answer(questionId: string, answerId = `a-${questionId}`): ParamsOf<'answer'> {
  return { sessionId: 's1', questionId, answerId, relevant: ['c0'], ignore: false };
}

const storeUnavailable = () =>
  new SidecarError(
    'question/answer: the disk holding /data/labels.sqlite is full',
    ErrorCodes.StoreUnavailable,
    'store_unavailable'
  );

describe('AnswerOutbox', () => {
  let connection: FakeConnection;
  let storage: FakeStorage;
  let outbox: AnswerOutbox;
  let recorded: Set<string>;
  let acknowledged: IAcknowledgedAnswer[];
  let dropped: IDroppedAnswer[];
  const key = outboxStorageKey('s1');

  function create(): AnswerOutbox {
    const created = new AnswerOutbox(connection, 's1', { storage, timeoutMs: 1000, retryDelay: () => 5 });
    created.acknowledged.connect((_, ack) => acknowledged.push(ack));
    created.dropped.connect((_, drop) => dropped.push(drop));
    return created;
  }

  beforeEach(() => {
    connection = new FakeConnection();
    storage = new FakeStorage();
    recorded = new Set();
    acknowledged = [];
    dropped = [];
    connection.handlers.answer = params => {
      const duplicate = recorded.has(params.answerId);
      recorded.add(params.answerId);
      return { progress: progress({ done: recorded.size }), duplicate };
    };
    outbox = create();
  });

  afterEach(() => outbox.dispose());

  it('stores an answer before sending it and forgets it once acknowledged', async () => {
    outbox.add(answer('q1'));
    expect(storage.json(key)).toEqual([answer('q1')]);
    expect(outbox.status.pending).toBe(1);
    await outbox.flush();
    expect(connection.paramsOf('answer')).toEqual([answer('q1')]);
    expect(acknowledged.map(a => a.result.duplicate)).toEqual([false]);
    expect(outbox.pending).toEqual([]);
    expect(storage.items.has(key)).toBe(false);
  });

  it('keeps answers made while disconnected and resends them once, in order, on reconnection', async () => {
    connection.drop();
    outbox.add(answer('q1'));
    outbox.add(answer('q2'));
    await outbox.flush();
    expect(outbox.status).toMatchObject({ pending: 2, failure: { kind: 'offline' } });
    expect(outbox.has('q1')).toBe(true);
    expect(storage.json(key)).toEqual([answer('q1'), answer('q2')]);
    expect(recorded.size).toBe(0);

    const attempts = connection.paramsOf('answer').length;
    connection.reconnect();
    await outbox.flush();
    const resent = connection.paramsOf('answer').slice(attempts);
    expect(resent.map(a => a.questionId)).toEqual(['q1', 'q2']);
    expect(acknowledged.map(a => a.answer.questionId)).toEqual(['q1', 'q2']);
    expect(outbox.status).toEqual({ pending: 0, failure: null, storageError: null });
    expect(storage.items.has(key)).toBe(false);
  });

  it('sends one answer at a time', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>(resolve => (release = resolve));
    const handler = connection.handlers.answer;
    connection.handlers.answer = async params => {
      await gate;
      return (handler as NonNullable<typeof handler>)(params);
    };
    outbox.add(answer('q1'));
    outbox.add(answer('q2'));
    await flush();
    expect(connection.paramsOf('answer').map(a => a.questionId)).toEqual(['q1']);
    release();
    await outbox.flush();
    expect(connection.paramsOf('answer').map(a => a.questionId)).toEqual(['q1', 'q2']);
  });

  it('resends what a previous page left in storage (a reload)', async () => {
    connection.drop();
    outbox.add(answer('q1'));
    await outbox.flush();
    outbox.dispose(); // the page goes away

    connection = new FakeConnection();
    connection.handlers.answer = () => ({ progress: progress({ done: 1 }), duplicate: false });
    outbox = create();
    expect(outbox.pending).toEqual([answer('q1')]);
    await outbox.flush();
    expect(connection.paramsOf('answer')).toEqual([answer('q1')]);
    expect(storage.items.has(key)).toBe(false);
  });

  it('counts duplicate: true as acknowledged (the first attempt was recorded, its reply lost)', async () => {
    recorded.add('a-q1');
    outbox.add(answer('q1'));
    await outbox.flush();
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0].result.duplicate).toBe(true);
    expect(outbox.pending).toEqual([]);
  });

  it('drops an answer refused for good, reports it, and goes on with the next', async () => {
    connection.handlers.answer = params => {
      if (params.questionId === 'q1') {
        throw new SidecarError(
          "question/answer: question 'q1' is no longer open (superseded)",
          ErrorCodes.QuestionNotFound,
          'question_not_found'
        );
      }
      return { progress: progress(), duplicate: false };
    };
    outbox.add(answer('q1'));
    outbox.add(answer('q2'));
    await outbox.flush();
    expect(dropped).toEqual([{ answer: answer('q1'), message: "question 'q1' is no longer open (superseded)" }]);
    expect(acknowledged.map(a => a.answer.questionId)).toEqual(['q2']);
    expect(outbox.pending).toEqual([]);
    expect(storage.items.has(key)).toBe(false);
  });

  it('keeps answers while the label store cannot write, and retries until it can', async () => {
    let full = true;
    const handler = connection.handlers.answer;
    connection.handlers.answer = params => {
      if (full) {
        throw storeUnavailable();
      }
      return (handler as NonNullable<typeof handler>)(params);
    };
    outbox.add(answer('q1'));
    await outbox.flush();
    expect(outbox.status).toEqual({
      pending: 1,
      failure: { kind: 'store', message: 'the disk holding /data/labels.sqlite is full' },
      storageError: null
    });
    expect(dropped).toEqual([]);
    expect(storage.json(key)).toEqual([answer('q1')]);

    full = false;
    await wait(30); // the retry timer (5 ms here)
    await outbox.flush();
    expect(outbox.status).toEqual({ pending: 0, failure: null, storageError: null });
    expect(acknowledged).toHaveLength(1);
  });

  it('treats a missing acknowledgement as transient, and the resend as idempotent', async () => {
    outbox.dispose();
    outbox = new AnswerOutbox(connection, 's1', { storage, timeoutMs: 10, retryDelay: () => 60_000 });
    const handler = connection.handlers.answer;
    let slow = true;
    connection.handlers.answer = async params => {
      const result = (handler as NonNullable<typeof handler>)(params);
      if (slow) {
        await wait(50); // recorded, but the reply comes too late
      }
      return result;
    };
    outbox.add(answer('q1'));
    await wait(30);
    expect(outbox.status.failure).toEqual({ kind: 'other', message: 'no acknowledgement within 10 ms' });
    expect(outbox.pending).toHaveLength(1);

    slow = false;
    await outbox.flush();
    expect(outbox.pending).toHaveLength(0);
    expect(connection.paramsOf('answer').map(a => a.answerId)).toEqual(['a-q1', 'a-q1']);
  });

  it('still sends when browser storage fails, and says so', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    storage.failWrites = new Error('QuotaExceededError');
    connection.drop();
    outbox.add(answer('q1'));
    await outbox.flush();
    expect(outbox.status).toMatchObject({ pending: 1, storageError: 'QuotaExceededError' });
    connection.reconnect();
    await outbox.flush();
    expect(outbox.pending).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/cannot keep answers in browser storage/));
    warn.mockRestore();
  });

  it('ignores stored entries that are not answers of this session', () => {
    storage.setItem(key, JSON.stringify([answer('q1'), { questionId: 'q2' }, { ...answer('q3'), sessionId: 's2' }]));
    const loaded = create();
    expect(loaded.pending).toEqual([answer('q1')]);
    loaded.dispose();
  });

  it('keeps the answers another tab stored under the same key', async () => {
    storage.setItem(key, JSON.stringify([answer('other-tab')]));
    connection.drop();
    outbox.add(answer('q1'));
    expect(storage.json(key)).toEqual([answer('other-tab'), answer('q1')]);
    connection.reconnect();
    await outbox.flush();
    expect(storage.json(key)).toEqual([answer('other-tab')]);
  });
});

describe('acquireOutbox', () => {
  it('shares one outbox per session and connection, disposed with the last lease', () => {
    const connection = new FakeConnection();
    const first = acquireOutbox(connection, 's1', { storage: null });
    const second = acquireOutbox(connection, 's1', { storage: null });
    const other = acquireOutbox(connection, 's2', { storage: null });
    expect(second.outbox).toBe(first.outbox);
    expect(other.outbox).not.toBe(first.outbox);
    first.dispose();
    expect(second.outbox.isDisposed).toBe(false);
    second.dispose();
    second.dispose(); // twice is harmless
    expect(first.outbox.isDisposed).toBe(true);
    const again = acquireOutbox(connection, 's1', { storage: null });
    expect(again.outbox).not.toBe(first.outbox);
    again.dispose();
    other.dispose();
  });
});

describe('classify', () => {
  const error = (code: number | null, kind: string) => new SidecarError('question/answer: why', code, kind);

  it('drops on errors a resend cannot fix', () => {
    expect(classify(error(ErrorCodes.InvalidParams, 'invalid_params'))).toEqual({ status: 'dropped', message: 'why' });
    expect(classify(error(ErrorCodes.QuestionNotFound, 'question_not_found')).status).toBe('dropped');
    expect(classify(error(ErrorCodes.BadData, 'bad_data')).status).toBe('dropped');
  });

  it('keeps the answer on everything else', () => {
    const kinds = [
      error(null, 'connection_lost'),
      error(null, 'not_connected'),
      error(ErrorCodes.StoreUnavailable, 'store_unavailable'),
      error(ErrorCodes.StoreUnavailable, 'store_corrupt'),
      error(ErrorCodes.SessionNotFound, 'session_not_found'),
      error(null, 'timeout'),
      error(ErrorCodes.InternalError, 'internal'),
      new Error('anything')
    ].map(e => {
      const outcome = classify(e);
      return outcome.status === 'failed' ? outcome.failure.kind : outcome.status;
    });
    expect(kinds).toEqual(['offline', 'offline', 'store', 'store', 'session', 'other', 'other', 'other']);
  });
});
