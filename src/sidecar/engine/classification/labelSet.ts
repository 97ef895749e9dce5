/**
 * Label sets of a classification session, validated with errors that name the offending label.
 * Labels are compared by `labelKey`: Unicode NFC, trimmed, inner whitespace collapsed, case-folded — so
 * "Sci/Tech", "sci/tech " and "Sci/ Tech" differ but "Sci  Tech" and "sci tech" are the same label.
 * Answers store label names, not indices, so reordering or extending the set never changes an answer.
 */

export type LabelSetErrorCode =
  | 'empty_label_list'
  | 'too_few_labels'
  | 'blank_label'
  | 'not_a_string'
  | 'duplicate_label'
  | 'unknown_label'
  | 'no_label'
  | 'several_labels';

export class LabelSetError extends Error {
  override name = 'LabelSetError';

  constructor(
    readonly code: LabelSetErrorCode,
    message: string,
    readonly label?: string
  ) {
    super(message);
  }
}

/** The comparison key of a label (see the module comment). */
export function labelKey(label: string): string {
  return label.normalize('NFC').trim().replace(/\s+/gu, ' ').toLocaleLowerCase('en-US');
}

export interface LabelSet {
  /** Display names, trimmed, in the order given. */
  labels: readonly string[];
  multiLabel: boolean;
}

function listed(labels: readonly string[]): string {
  const shown = labels.slice(0, 12).map(l => `'${l}'`);
  return shown.join(', ') + (labels.length > 12 ? `, … (${labels.length} labels)` : '');
}

/**
 * Validates a label list: not empty (single-label needs two labels; multi-label one), every entry a
 * non-blank string, no two the same by `labelKey`.
 */
export function validateLabelSet(labels: unknown, multiLabel = false): LabelSet {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new LabelSetError(
      'empty_label_list',
      'the label list is empty: give the classes to choose from, e.g. labels=["World", "Sports", "Business", "Sci/Tech"]'
    );
  }
  const seen = new Map<string, string>();
  const out: string[] = [];
  labels.forEach((label: unknown, i) => {
    if (typeof label !== 'string') {
      throw new LabelSetError(
        'not_a_string',
        `label ${i + 1} is not a string: ${JSON.stringify(label) ?? String(label)}`
      );
    }
    const name = label.trim();
    if (name === '') {
      throw new LabelSetError('blank_label', `label ${i + 1} is blank`, label);
    }
    const key = labelKey(name);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new LabelSetError(
        'duplicate_label',
        first === name
          ? `duplicate label '${name}'`
          : `labels '${first}' and '${name}' are the same label (labels are compared ignoring case and extra spaces)`,
        name
      );
    }
    seen.set(key, name);
    out.push(name);
  });
  if (!multiLabel && out.length < 2) {
    throw new LabelSetError(
      'too_few_labels',
      `single-label classification needs at least two labels, got only '${out[0]}' (or use multi_label=True)`,
      out[0]
    );
  }
  return { labels: out, multiLabel };
}

/** Index of `label` in the set (matched by labelKey), or an error naming it and the labels there are. */
export function resolveLabel(set: LabelSet, label: string): number {
  const key = labelKey(label);
  const at = set.labels.findIndex(l => labelKey(l) === key);
  if (at < 0) {
    throw new LabelSetError('unknown_label', `unknown label '${label}': the labels are ${listed(set.labels)}`, label);
  }
  return at;
}

/**
 * The class indices of an answer's labels: exactly one for single-label; any number (none = "no class
 * applies") for multi-label, repeats collapsed. Indices come back sorted.
 */
export function resolveAnswer(set: LabelSet, labels: readonly string[]): number[] {
  if (!set.multiLabel && labels.length === 0) {
    throw new LabelSetError('no_label', `the answer has no label: choose one of ${listed(set.labels)} (or skip)`);
  }
  if (!set.multiLabel && labels.length > 1) {
    throw new LabelSetError(
      'several_labels',
      `the answer has ${labels.length} labels (${listed(labels)}) but the session is single-label: choose one`
    );
  }
  return [...new Set(labels.map(l => resolveLabel(set, l)))].sort((a, b) => a - b);
}

export interface StoredClassAnswer {
  answerId: string;
  row: number;
  /** Label names as answered. */
  labels: readonly string[];
}

export interface ExcludedAnswer {
  answer: StoredClassAnswer;
  /** The answer's labels that are not in the current set. */
  missing: string[];
}

export interface AnswerPartition {
  /** Answers whose labels are all in the current set, with their class indices in it. */
  trainable: { answer: StoredClassAnswer; classIndices: number[] }[];
  /** Answers using a removed label: kept in the store, left out of training until relabelled. */
  excluded: ExcludedAnswer[];
  /** One message per removed label still used by answers, naming it and how many answers it holds back. */
  messages: string[];
}

/**
 * Splits stored answers by the current label set. An answer with any label no longer in the set is
 * excluded as a whole (a multi-label answer missing one label would otherwise teach that the rest were
 * all that applied); nothing is deleted, and relabelling the row makes it trainable again.
 */
export function partitionAnswers(set: LabelSet, answers: readonly StoredClassAnswer[]): AnswerPartition {
  const keys = new Map(set.labels.map((l, i) => [labelKey(l), i]));
  const trainable: AnswerPartition['trainable'] = [];
  const excluded: ExcludedAnswer[] = [];
  const byMissing = new Map<string, { name: string; count: number }>();
  for (const answer of answers) {
    const missing = answer.labels.filter(l => !keys.has(labelKey(l)));
    if (missing.length > 0) {
      excluded.push({ answer, missing });
      for (const name of missing) {
        const entry = byMissing.get(labelKey(name)) ?? { name, count: 0 };
        entry.count++;
        byMissing.set(labelKey(name), entry);
      }
      continue;
    }
    if (!set.multiLabel && answer.labels.length !== 1) {
      excluded.push({ answer, missing: [] });
      continue;
    }
    const classIndices = [...new Set(answer.labels.map(l => keys.get(labelKey(l)) as number))].sort((a, b) => a - b);
    trainable.push({ answer, classIndices });
  }
  const messages = [...byMissing.values()].map(
    ({ name, count }) =>
      `label '${name}' was removed: ${count} answer${count === 1 ? '' : 's'} using it ${count === 1 ? 'is' : 'are'} ` +
      'kept but left out of training until relabelled'
  );
  return { trainable, excluded, messages };
}

/** Labels of `previous` missing from `next` and labels new in `next` (compared by labelKey). */
export function diffLabelSets(previous: LabelSet, next: LabelSet): { removed: string[]; added: string[] } {
  const before = new Set(previous.labels.map(labelKey));
  const after = new Set(next.labels.map(labelKey));
  return {
    removed: previous.labels.filter(l => !after.has(labelKey(l))),
    added: next.labels.filter(l => !before.has(labelKey(l)))
  };
}
