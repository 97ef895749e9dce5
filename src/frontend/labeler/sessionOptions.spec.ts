import { sessionInfo } from '../testing/fixtures';
import { ADVANCED_FIELDS, CONTROL_FIELDS, defaultModelSavePath, fieldOfPath, optionChanges } from './sessionOptions';

describe('optionChanges', () => {
  const session = sessionInfo({ epochs: 2, learningRate: 0.001, loss: 'cosine', keepSameQuestion: false });

  it('returns only the fields whose text changed, typed', () => {
    const result = optionChanges(ADVANCED_FIELDS, { epochs: '4', learningRate: '0.001', loss: 'triplet' }, session);
    expect(result).toEqual({ ok: true, changes: { epochs: 4, loss: 'triplet' } });
    expect(optionChanges(CONTROL_FIELDS, { keepSameQuestion: 'true' }, session)).toEqual({
      ok: true,
      changes: { keepSameQuestion: true }
    });
  });

  it('names the fields that are not numbers or break the protocol schema', () => {
    const result = optionChanges(ADVANCED_FIELDS, { epochs: '0', updateEvery: '1.5', learningRate: '' }, session);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors).sort()).toEqual(['learningRate', 'updateEvery']);
    }
    const schema = optionChanges(ADVANCED_FIELDS, { epochs: '0' }, session);
    expect(schema.ok ? null : schema.errors.epochs).toMatch(/1/);
  });
});

describe('fieldOfPath', () => {
  it('maps a JSON pointer to a field of the form, if it is one', () => {
    expect(fieldOfPath(ADVANCED_FIELDS, '/modelSavePath')).toBe('modelSavePath');
    expect(fieldOfPath(ADVANCED_FIELDS, '/topK')).toBeNull();
    expect(fieldOfPath(CONTROL_FIELDS, '/topK')).toBe('topK');
    expect(fieldOfPath(CONTROL_FIELDS, null)).toBeNull();
  });
});

describe('defaultModelSavePath', () => {
  it('keeps the name safe for a path', () => {
    expect(defaultModelSavePath(sessionInfo({ name: '../my session' }))).toBe('tunelab-models/_my_session');
  });
});
