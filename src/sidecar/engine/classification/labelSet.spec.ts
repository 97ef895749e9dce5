import {
  diffLabelSets,
  LabelSetError,
  partitionAnswers,
  resolveAnswer,
  resolveLabel,
  validateLabelSet
} from './labelSet';

const AG = ['World', 'Sports', 'Business', 'Sci/Tech'];

function errorOf(f: () => unknown): LabelSetError {
  try {
    f();
  } catch (e) {
    if (e instanceof LabelSetError) {
      return e;
    }
    throw e;
  }
  throw new Error('no error');
}

describe('label sets', () => {
  it('rejects an empty label list, saying what to give', () => {
    const e = errorOf(() => validateLabelSet([]));
    expect(e.code).toBe('empty_label_list');
    expect(e.message).toMatch(/^the label list is empty: give the classes to choose from/);
    expect(errorOf(() => validateLabelSet(undefined)).code).toBe('empty_label_list');
  });

  it('rejects duplicates ignoring case and extra spaces, naming both spellings', () => {
    const e = errorOf(() => validateLabelSet(['World', 'Sports', ' sports  ']));
    expect(e).toMatchObject({ code: 'duplicate_label', label: 'sports' });
    expect(e.message).toBe(
      "labels 'Sports' and 'sports' are the same label (labels are compared ignoring case and extra spaces)"
    );
    expect(errorOf(() => validateLabelSet(['Sci  Tech', 'sci tech'])).code).toBe('duplicate_label');
    expect(errorOf(() => validateLabelSet(['A', 'A'])).message).toBe("duplicate label 'A'");
    expect(validateLabelSet(['Sci/Tech', 'Sci Tech']).labels).toEqual(['Sci/Tech', 'Sci Tech']);
  });

  it('rejects blank and non-string labels by position, and a lone single-label class', () => {
    expect(errorOf(() => validateLabelSet(['World', '  '])).message).toBe('label 2 is blank');
    expect(errorOf(() => validateLabelSet(['World', 3])).message).toBe('label 2 is not a string: 3');
    expect(errorOf(() => validateLabelSet(['Spam'])).message).toBe(
      "single-label classification needs at least two labels, got only 'Spam' (or use multi_label=True)"
    );
    expect(validateLabelSet(['Spam'], true).labels).toEqual(['Spam']);
  });

  it('resolves answers by name (case-insensitively) and names an unknown label with the choices', () => {
    const set = validateLabelSet(AG);
    expect(resolveLabel(set, 'sci/tech')).toBe(3);
    const e = errorOf(() => resolveAnswer(set, ['Sprots']));
    expect(e).toMatchObject({ code: 'unknown_label', label: 'Sprots' });
    expect(e.message).toBe("unknown label 'Sprots': the labels are 'World', 'Sports', 'Business', 'Sci/Tech'");
    expect(errorOf(() => resolveAnswer(set, [])).code).toBe('no_label');
    expect(errorOf(() => resolveAnswer(set, ['World', 'Sports'])).code).toBe('several_labels');
    const multi = validateLabelSet(AG, true);
    expect(resolveAnswer(multi, ['Sports', 'World', 'sports'])).toEqual([0, 1]);
    expect(resolveAnswer(multi, [])).toEqual([]);
  });

  it('a label removed mid-session: its answers are kept, reported, and left out of training until relabelled', () => {
    const before = validateLabelSet(AG);
    const after = validateLabelSet(['World', 'Sports', 'Business']);
    expect(diffLabelSets(before, after)).toEqual({ removed: ['Sci/Tech'], added: [] });
    const answers = [
      { answerId: 'a', row: 0, labels: ['World'] },
      { answerId: 'b', row: 1, labels: ['Sci/Tech'] },
      { answerId: 'c', row: 2, labels: ['sci/tech'] },
      { answerId: 'd', row: 3, labels: ['Business'] }
    ];
    const part = partitionAnswers(after, answers);
    expect(part.trainable.map(t => [t.answer.answerId, t.classIndices])).toEqual([
      ['a', [0]],
      ['d', [2]]
    ]);
    expect(part.excluded.map(x => x.answer.answerId)).toEqual(['b', 'c']);
    expect(part.messages).toEqual([
      "label 'Sci/Tech' was removed: 2 answers using it are kept but left out of training until relabelled"
    ]);
    // relabelled: the row trains again
    const relabelled = partitionAnswers(after, [...answers.slice(0, 1), { answerId: 'e', row: 1, labels: ['World'] }]);
    expect(relabelled.excluded).toEqual([]);
  });

  it('multi-label: an answer with one removed label is excluded as a whole', () => {
    const after = validateLabelSet(['World', 'Sports'], true);
    const part = partitionAnswers(after, [{ answerId: 'a', row: 0, labels: ['World', 'Sci/Tech'] }]);
    expect(part.trainable).toEqual([]);
    expect(part.excluded[0].missing).toEqual(['Sci/Tech']);
    expect(part.messages[0]).toMatch(/^label 'Sci\/Tech' was removed: 1 answer using it is kept/);
  });
});
