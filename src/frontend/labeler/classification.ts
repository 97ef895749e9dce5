/**
 * Classification sessions (protocol 1.4) in the labeler: the choices of a question, what a number key
 * does to the selection, and the labels an answer sends. Pure functions, so the controller stays one
 * state machine for both tasks and the rules are tested on their own.
 */
import type { Progress, Question, SessionInfo } from '../../protocol';
import { Selection } from './selection';

/** Whether the session labels items with classes rather than marking neighbours. */
export function isClassification(session: SessionInfo | null): boolean {
  return session?.task === 'classification';
}

/** Whether an item may take several labels (number keys then toggle instead of choosing one). */
export function isMultiLabel(session: SessionInfo | null): boolean {
  return session?.multiLabel === true;
}

/**
 * The labels offered for `question`, in the session's label order: the question's own list (it was
 * made with it), else the session's (a question from before `session/setLabels` still shows its own).
 */
export function choicesOf(question: Question, session: SessionInfo | null): readonly string[] {
  return question.choices ?? session?.labels ?? [];
}

/** The positions of the predicted labels among the choices: what is pre-selected when the question shows. */
export function predictedSelection(question: Question, choices: readonly string[]): Selection {
  const labels = question.prediction?.labels ?? [];
  const selection = new Set<number>();
  for (const label of labels) {
    const index = choices.indexOf(label);
    if (index >= 0) {
      selection.add(index);
    }
  }
  return selection;
}

/**
 * The selection after the key or button of choice `index`: single-label replaces the choice (pressing
 * it again keeps it, so a doubled key press cannot clear the answer), multi-label toggles it.
 * Positions past the last choice change nothing.
 */
export function chooseLabel(selection: Selection, index: number, choiceCount: number, multiLabel: boolean): Selection {
  if (!Number.isInteger(index) || index < 0 || index >= choiceCount) {
    return selection;
  }
  if (!multiLabel) {
    return selection.size === 1 && selection.has(index) ? selection : new Set([index]);
  }
  const next = new Set(selection);
  if (!next.delete(index)) {
    next.add(index);
  }
  return next;
}

/** The label names of a selection, in label order. */
export function labelsOf(selection: Selection, choices: readonly string[]): string[] {
  return [...selection]
    .filter(index => index >= 0 && index < choices.length)
    .sort((a, b) => a - b)
    .map(index => choices[index]);
}

/**
 * Why the selection cannot be submitted, or `null` when it can: single-label needs exactly one label;
 * multi-label accepts any number (none = the item has none of the labels).
 */
export function selectionProblem(selection: Selection, multiLabel: boolean): string | null {
  if (!multiLabel && selection.size !== 1) {
    return 'Choose a label first (keys 1–9 or click one), or press S to skip.';
  }
  return null;
}

/**
 * Answers still needed before the next training round starts by itself, or `null` when the session
 * does not say (no `updateEvery`, or a sidecar before protocol 1.4).
 */
export function answersUntilUpdate(session: SessionInfo | null, progress: Progress | null): number | null {
  const every = session?.updateEvery;
  const since = progress?.sinceUpdate;
  if (every === undefined || since === undefined) {
    return null;
  }
  return Math.max(0, every - since);
}
