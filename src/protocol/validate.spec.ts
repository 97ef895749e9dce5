import { Requests } from './messages';
import { validate } from './validate';

describe('validate', () => {
  it('accepts valid params and returns them typed', () => {
    const result = validate(Requests.nextQuestion.params, { sessionId: 's1' });
    expect(result).toEqual({ ok: true, value: { sessionId: 's1' } });
  });

  it('names a missing field', () => {
    const result = validate(Requests.createSession.params, {
      task: 'similarity',
      model: 'm',
      contentType: 'text',
      topK: 3
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.path).toBe('/name');
  });

  it('names a field of the wrong type deep inside the params', () => {
    const result = validate(Requests.answer.params, {
      sessionId: 's',
      questionId: 'q',
      answerId: 'a',
      relevant: [1, 2.5],
      ignore: false
    });
    expect(result.ok ? undefined : result.error.path).toBe('/relevant/1');
  });

  it('names an out-of-range integer', () => {
    const result = validate(Requests.createSession.params, {
      name: 'n',
      task: 'similarity',
      model: 'm',
      contentType: 'text',
      topK: 500
    });
    expect(result.ok ? undefined : result.error).toEqual({ path: '/topK', message: expect.stringContaining('50') });
  });

  it('accepts the binary payload only as bytes', () => {
    const params = { sessionId: 's', chunkIndex: 0, totalItems: 1, isLast: true };
    expect(validate(Requests.appendItems.params, { ...params, payload: new Uint8Array(1) }).ok).toBe(true);
    const asJson = validate(Requests.appendItems.params, { ...params, payload: [1] });
    expect(asJson.ok ? undefined : asJson.error.path).toBe('/payload');
  });
});
