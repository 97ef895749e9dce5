/**
 * The labeler on a classification session (protocol 1.4), driven by the keys as schema/plugin.json binds
 * them: what each key sends, the prediction pre-selected and accepted with Enter, skip, undo, multi-label
 * toggling, answers kept and resent with their labels, machine labels and "train now".
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ParamsOf } from '../../protocol';
import { FakeConnection } from '../testing/fakeConnection';
import { FakeSession, IFakeClassification } from '../testing/fakeSession';
import { FakeStorage } from '../testing/fakeStorage';
import { prediction, progress } from '../testing/fixtures';
import { CommandIDs, ILabelerActions } from '../tokens';
import { outboxStorageKey } from './answerOutbox';
import { LabelerController } from './labelerController';

const LABELS = ['World', 'Sports', 'Business', 'Sci/Tech'];

const flush = async (times = 4) => {
  for (let i = 0; i < times; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};

interface IShortcut {
  command: string;
  keys: string[];
  selector: string;
  args?: { index?: number };
}

const SHORTCUTS: IShortcut[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'schema', 'plugin.json'), 'utf8')
)['jupyter.lab.shortcuts'];

/** What each labeler command does to the active panel, as the commands plugin runs it. */
const RUN: Record<string, (panel: ILabelerActions, args: IShortcut['args']) => void> = {
  [CommandIDs.submit]: panel => panel.submit(),
  [CommandIDs.acceptPrediction]: panel => panel.acceptPrediction(),
  [CommandIDs.skip]: panel => panel.skip(),
  [CommandIDs.undo]: panel => panel.undo(),
  [CommandIDs.invert]: panel => panel.invert(),
  [CommandIDs.toggleCandidate]: (panel, args) => panel.toggle(args?.index ?? -1),
  [CommandIDs.previousQuestion]: panel => panel.back(),
  [CommandIDs.nextQuestion]: panel => panel.forward()
};

/** Presses `key` in the panel: the binding of schema/plugin.json for it runs its command. */
function press(panel: ILabelerActions, key: string): void {
  const binding = SHORTCUTS.find(s => s.keys.length === 1 && s.keys[0] === key && s.selector === '.tl-LabelerPanel');
  if (!binding) {
    throw new Error(`no labeler shortcut for ${key}`);
  }
  RUN[binding.command](panel, binding.args);
}

/** Sports is the model's guess for every item after q1; q1 has no prediction yet. */
const predictSports = (query: string) => (query === 'q1' ? null : prediction(LABELS, [0.1, 0.7, 0.15, 0.05]));

describe('LabelerController on a classification session', () => {
  let connection: FakeConnection;
  let session: FakeSession;
  let storage: FakeStorage;
  let controller: LabelerController;

  const start = async (classification: Partial<IFakeClassification> = {}, answerSettleMs = 0) => {
    connection = new FakeConnection();
    session = new FakeSession(connection, ['q1', 'q2', 'q3', 'q4'], {
      labels: LABELS,
      predict: predictSports,
      ...classification
    });
    storage = new FakeStorage();
    controller = new LabelerController(connection, 's1', { answerSettleMs, storage });
    await controller.start();
  };
  const answers = () => connection.paramsOf('answer');

  afterEach(() => controller.dispose());

  it('offers the labels as choices, with nothing pre-selected before the model predicts', async () => {
    await start();
    expect(controller.state.question?.id).toBe('q1');
    expect(controller.choices).toEqual(LABELS);
    expect(controller.state.question?.prediction).toBeNull();
    expect([...controller.state.selection]).toEqual([]);
  });

  it('chooses a label with its number key and submits it with Space', async () => {
    await start();
    press(controller, '3');
    press(controller, '2'); // single-label: the later choice replaces the earlier
    expect([...controller.state.selection]).toEqual([1]);
    press(controller, 'Space');
    await flush();
    expect(answers()).toEqual([
      expect.objectContaining({ questionId: 'q1', relevant: [], ignore: false, labels: ['Sports'] })
    ]);
    expect(answers()[0].acceptedPrediction).toBeUndefined();
    expect(session.recorded).toHaveLength(1);
  });

  it('pre-selects the prediction and accepts it with Enter', async () => {
    await start();
    press(controller, '1');
    press(controller, 'Space'); // q1 → World
    expect(controller.state.question?.id).toBe('q2');
    expect(controller.state.question?.prediction?.labels).toEqual(['Sports']);
    expect([...controller.state.selection]).toEqual([1]);
    press(controller, '4'); // the annotator looks at another label, then goes with the model anyway
    press(controller, 'Enter');
    await flush();
    expect(answers()[1]).toMatchObject({
      questionId: 'q2',
      relevant: [],
      ignore: false,
      labels: ['Sports'],
      acceptedPrediction: true
    });
    expect(controller.state.answered.map(a => a.labels)).toEqual([['World'], ['Sports']]);
  });

  it('does nothing on Enter before the model predicts, and keeps the question', async () => {
    await start();
    press(controller, 'Enter');
    press(controller, '2');
    press(controller, 'Enter');
    await flush();
    expect(answers()).toEqual([]);
    expect(controller.state.question?.id).toBe('q1');
    expect(controller.state.error).toBeNull();
    expect([...controller.state.selection]).toEqual([1]);
  });

  it('refuses Space without a chosen label in a single-label session and says what to do', async () => {
    await start();
    press(controller, 'Space');
    await flush();
    expect(answers()).toEqual([]);
    expect(controller.state.error).toBe('Choose a label first (keys 1–9 or click one), or press S to skip.');
    press(controller, '2');
    press(controller, 'Space');
    expect(controller.state.error).toBeNull();
  });

  it('skips with S: ignore, no labels', async () => {
    await start();
    press(controller, '2');
    press(controller, 'S');
    await flush();
    expect(answers()).toHaveLength(1);
    expect(answers()[0]).toMatchObject({ questionId: 'q1', relevant: [], ignore: true });
    expect(answers()[0].labels).toBeUndefined();
  });

  it('toggles labels with number keys in a multi-label session; Space sends all selected, or none', async () => {
    await start({ multiLabel: true, predict: () => null });
    press(controller, '1');
    press(controller, '3');
    press(controller, '4');
    press(controller, '1'); // off again
    expect([...controller.state.selection].sort()).toEqual([2, 3]);
    press(controller, 'Space');
    press(controller, 'Space'); // q2: none of the labels applies
    await flush();
    expect(answers().map(a => a.labels)).toEqual([['Business', 'Sci/Tech'], []]);
  });

  it('accepts a multi-label prediction of several labels with Enter', async () => {
    const both = { labels: ['World', 'Business'], scores: [0.8, 0.1, 0.7, 0.2], certainty: 0.7, modelVersion: 2 };
    await start({ multiLabel: true, predict: () => both });
    expect([...controller.state.selection].sort()).toEqual([0, 2]);
    press(controller, 'Enter');
    await flush();
    expect(answers()[0]).toMatchObject({ labels: ['World', 'Business'], acceptedPrediction: true });
  });

  it('ignores Space and Enter right after a new item appears, unless a label was pressed on it', async () => {
    await start({}, 60_000);
    press(controller, '1');
    press(controller, 'Space'); // q1, chosen: sent
    press(controller, 'Enter'); // q2 appeared a moment ago: a doubled key, not a decision
    press(controller, 'Space');
    press(controller, 'S');
    await flush();
    expect(answers().map(a => a.questionId)).toEqual(['q1']);
    expect(controller.state.question?.id).toBe('q2');
    press(controller, '2');
    press(controller, 'Space');
    await flush();
    expect(answers().map(a => a.questionId)).toEqual(['q1', 'q2']);
  });

  it('undoes with Backspace: the undone item comes back with its prediction pre-selected', async () => {
    await start();
    press(controller, '1');
    press(controller, 'Space');
    await flush();
    press(controller, 'Enter'); // q2 → Sports
    await flush();
    expect(session.recorded.map(a => a.questionId)).toEqual(['q1', 'q2']);
    press(controller, 'Backspace');
    await flush();
    expect(connection.paramsOf('undo')).toHaveLength(1);
    expect(session.recorded.map(a => a.questionId)).toEqual(['q1']);
    expect(controller.state.question?.id).toBe('q2#2');
    expect(controller.state.question?.query.text).toBe('item of q2#2');
    expect([...controller.state.selection]).toEqual([1]);
    expect(controller.state.answered.map(a => a.question.id)).toEqual(['q1']);
  });

  it('reviews an answer with ←, showing the labels given, read-only', async () => {
    await start();
    press(controller, '3');
    press(controller, 'Space');
    await flush();
    press(controller, 'ArrowLeft');
    expect(controller.readOnly).toBe(true);
    expect(controller.state.answered[0]).toMatchObject({ labels: ['Business'], ignored: false });
    press(controller, '1'); // read-only: changes nothing
    press(controller, 'Space');
    await flush();
    expect(answers()).toHaveLength(1);
    press(controller, 'ArrowRight');
    expect(controller.readOnly).toBe(false);
  });

  it('keeps a labelled answer made offline in browser storage and resends it with its labels', async () => {
    await start();
    press(controller, '1');
    press(controller, 'Space');
    await flush();
    connection.drop();
    press(controller, 'Enter'); // q2 (the reserve): the prediction, accepted while offline
    await flush();
    const stored = storage.json(outboxStorageKey('s1')) as ParamsOf<'answer'>[];
    expect(stored).toEqual([
      expect.objectContaining({ questionId: 'q2', labels: ['Sports'], acceptedPrediction: true })
    ]);
    expect(controller.state.save.state).toBe('queued');

    session.release();
    connection.reconnect();
    await flush(8);
    const sent = answers().filter(a => a.questionId === 'q2');
    expect(sent).toHaveLength(2); // the failed attempt and the resend, identical
    expect(sent[1]).toEqual(sent[0]);
    expect(session.recorded.map(a => [a.questionId, a.labels, a.acceptedPrediction])).toEqual([
      ['q1', ['World'], undefined],
      ['q2', ['Sports'], true]
    ]);
    expect(controller.state.save.state).toBe('saved');
    expect(storage.items.has(outboxStorageKey('s1'))).toBe(false);
  });

  it('lists machine labels apart, confirms and rejects them, and refetches when a model arrives', async () => {
    const item = (index: number, labels: string[], score: number) => ({
      itemId: index,
      index,
      text: `text ${index}`,
      labels,
      score,
      modelVersion: 3
    });
    await start();
    session.machineLabels = [item(7, ['Sports'], 0.97), item(8, ['World'], 0.95), item(9, ['Business'], 0.93)];
    const machine = controller.machineLabels;
    expect(machine).not.toBeNull();
    // Fetched at subscription, when none were there yet.
    await flush();
    expect(machine?.state.items).toEqual([]);

    connection.onNotification.modelUpdated.emit({
      sessionId: 's1',
      record: { version: 3, loss: 0.2, answers: 10, time: '2026-01-01T00:00:00Z', trainMs: 5 }
    });
    await flush();
    expect(machine?.state.items?.map(m => m.index)).toEqual([7, 8, 9]);

    await machine?.confirm(7);
    await machine?.reject(8, ['Business']);
    await machine?.reject(9);
    expect(session.settled).toEqual([
      expect.objectContaining({ action: 'confirm', index: 7, labels: ['Sports'] }),
      expect.objectContaining({ action: 'reject', index: 8, labels: ['Business'] }),
      expect.objectContaining({ action: 'reject', index: 9, labels: null })
    ]);
    expect(connection.paramsOf('rejectMachineLabel').map(p => p.labels)).toEqual([['Business'], undefined]);
    expect(new Set(session.settled.map(s => s.answerId)).size).toBe(3);
    expect(machine?.state.items).toEqual([]);
    expect(controller.state.progress?.machineLabels).toBe(0);
    // Human answers are untouched by any of it.
    expect(controller.state.answered).toEqual([]);
  });

  it('refetches the machine labels when their count or the gate changes in the progress', async () => {
    await start();
    await flush();
    const before = connection.paramsOf('machineLabels').length;
    connection.onNotification.progress.emit({ sessionId: 's1', progress: progress({ machineLabels: 0 }) });
    await flush();
    const baseline = connection.paramsOf('machineLabels').length;
    connection.onNotification.progress.emit({ sessionId: 's1', progress: progress({ machineLabels: 0, done: 3 }) });
    await flush();
    expect(connection.paramsOf('machineLabels')).toHaveLength(baseline); // answers alone: no refetch
    connection.onNotification.progress.emit({
      sessionId: 's1',
      progress: progress({ machineLabels: 2, autoAcceptOpen: true })
    });
    await flush();
    expect(connection.paramsOf('machineLabels').length).toBe(baseline + 1);
    expect(baseline).toBeGreaterThanOrEqual(before);
  });

  it('trains now on request and shows the progress it returns', async () => {
    await start();
    await controller.trainNow();
    expect(session.trainRequests).toBe(1);
    expect(controller.state.progress?.training).toBe(true);
    expect(controller.state.trainRequested).toBe(false);
  });

  it('leaves similarity sessions as they were: Enter does nothing, answers carry no labels', async () => {
    connection = new FakeConnection();
    session = new FakeSession(connection, ['q1', 'q2']);
    storage = new FakeStorage();
    controller = new LabelerController(connection, 's1', { answerSettleMs: 0, storage });
    await controller.start();
    expect(controller.machineLabels).toBeNull();
    press(controller, '1');
    press(controller, 'Enter');
    await flush();
    expect(answers()).toEqual([]);
    press(controller, 'Space');
    await flush();
    expect(answers()[0]).toEqual({
      sessionId: 's1',
      questionId: 'q1',
      answerId: expect.any(String),
      relevant: ['c0'],
      ignore: false
    });
  });
});
