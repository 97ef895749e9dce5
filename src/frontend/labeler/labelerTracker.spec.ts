import { ILabelerActions } from '../tokens';
import { LabelerTracker } from './labelerTracker';

/** A panel's root node: enough of HTMLElement for `add` (jest runs without a DOM). */
function fakeNode() {
  const listeners = new Map<string, () => void>();
  return {
    node: {
      addEventListener: (type: string, listener: () => void) => listeners.set(type, listener),
      removeEventListener: (type: string) => listeners.delete(type),
      contains: () => false
    } as unknown as HTMLElement,
    focus: () => listeners.get('focusin')?.()
  };
}

function panel(sessionId: string): ILabelerActions {
  const nothing = () => undefined;
  return {
    sessionId,
    submit: nothing,
    acceptPrediction: nothing,
    skip: nothing,
    undo: nothing,
    invert: nothing,
    toggle: nothing,
    back: nothing,
    forward: nothing
  };
}

describe('LabelerTracker', () => {
  beforeAll(() => {
    (globalThis as { document?: unknown }).document = { activeElement: null };
  });

  afterAll(() => {
    delete (globalThis as { document?: unknown }).document;
  });

  it('makes current the session focused or selected last', () => {
    const tracker = new LabelerTracker();
    expect(tracker.currentSessionId).toBeNull();

    const a = fakeNode();
    const registration = tracker.add(a.node, panel('s1'));
    a.focus();
    expect(tracker.currentSessionId).toBe('s1');
    tracker.selectSession('s2'); // a click in the sidebar
    expect(tracker.currentSessionId).toBe('s2');
    a.focus(); // back in the panel
    expect(tracker.currentSessionId).toBe('s1');
    registration.dispose();
    expect(tracker.active).toBeNull();
    expect(tracker.currentSessionId).toBe('s1'); // the session outlives its panel
  });
});
