import { answersUntilUpdate, chooseLabel, labelsOf, predictedSelection, selectionProblem } from './classification';
import { classificationQuestion, prediction, progress, sessionInfo } from '../testing/fixtures';

const LABELS = ['World', 'Sports', 'Business'];

describe('classification choices', () => {
  it('replaces the choice in a single-label session; pressing it again keeps it', () => {
    let selection = chooseLabel(new Set(), 2, 3, false);
    expect([...selection]).toEqual([2]);
    selection = chooseLabel(selection, 0, 3, false);
    expect([...selection]).toEqual([0]);
    expect([...chooseLabel(selection, 0, 3, false)]).toEqual([0]);
  });

  it('toggles in a multi-label session and ignores keys past the last label', () => {
    let selection = chooseLabel(new Set(), 0, 3, true);
    selection = chooseLabel(selection, 2, 3, true);
    selection = chooseLabel(selection, 0, 3, true);
    expect([...selection]).toEqual([2]);
    expect(chooseLabel(selection, 3, 3, true)).toBe(selection); // key 4 with three labels
    expect(chooseLabel(selection, 8, 3, false)).toBe(selection);
  });

  it('names the labels of a selection in label order', () => {
    expect(labelsOf(new Set([2, 0]), LABELS)).toEqual(['World', 'Business']);
  });

  it('pre-selects the predicted labels that are among the choices', () => {
    const q = classificationQuestion('q1', LABELS, prediction(LABELS, [0.2, 0.5, 0.3]));
    expect([...predictedSelection(q, LABELS)]).toEqual([1]);
    expect([...predictedSelection(classificationQuestion('q2', LABELS, null), LABELS)]).toEqual([]);
  });

  it('needs exactly one label to submit single-label, any number multi-label', () => {
    expect(selectionProblem(new Set(), false)).toMatch(/Choose a label/);
    expect(selectionProblem(new Set([1]), false)).toBeNull();
    expect(selectionProblem(new Set(), true)).toBeNull();
  });

  it('counts the answers left until the next update, or says nothing when the sidecar does not', () => {
    const session = sessionInfo({ task: 'classification', labels: LABELS, updateEvery: 10 });
    expect(answersUntilUpdate(session, progress({ sinceUpdate: 7 }))).toBe(3);
    expect(answersUntilUpdate(session, progress({ sinceUpdate: 12 }))).toBe(0);
    expect(answersUntilUpdate(session, progress())).toBeNull();
    expect(answersUntilUpdate(sessionInfo(), progress({ sinceUpdate: 1 }))).toBeNull();
  });
});
