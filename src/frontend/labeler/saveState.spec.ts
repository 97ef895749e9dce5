import { saveStateOf } from './saveState';

const status = (
  pending: number,
  failure: { kind: 'offline' | 'store' | 'session' | 'other'; message: string } | null
) => ({
  pending,
  failure,
  storageError: null
});

describe('saveStateOf', () => {
  it('is idle before any answer, saved once all are acknowledged', () => {
    expect(saveStateOf(status(0, null), null, false)).toMatchObject({ state: 'idle', label: '', pending: 0 });
    expect(saveStateOf(status(0, null), null, true)).toMatchObject({ state: 'saved', label: 'saved', detail: null });
  });

  it('says saving with the pending count', () => {
    expect(saveStateOf(status(1, null), null, true)).toMatchObject({ state: 'saving', label: 'saving…', pending: 1 });
    expect(saveStateOf(status(3, null), null, true).label).toBe('saving… (3 pending)');
  });

  it('says offline with the answers kept', () => {
    const save = saveStateOf(status(2, { kind: 'offline', message: 'not connected' }), null, false);
    expect(save).toMatchObject({ state: 'queued', pending: 2, label: 'offline — 2 answers kept, will resend' });
    expect(save.detail).toMatch(/your 2 answers are kept in this browser/);
  });

  it('names the label store failure', () => {
    const save = saveStateOf(status(1, { kind: 'store', message: 'the disk is full' }), null, true);
    expect(save.state).toBe('queued');
    expect(save.detail).toBe(
      'The label store cannot write: the disk is full; your answer is kept in this browser and will be resent.'
    );
  });

  it('warns when the answers are only in this page', () => {
    const save = saveStateOf({ pending: 1, failure: null, storageError: 'QuotaExceededError' }, null, true);
    expect(save).toMatchObject({ state: 'saving' });
    expect(save.detail).toMatch(
      /kept in this page only \(browser storage failed: QuotaExceededError; keep this tab open\)/
    );
  });

  it('reports a refused answer once nothing is pending', () => {
    expect(saveStateOf(status(0, null), 'refused: gone', true)).toMatchObject({
      state: 'error',
      label: 'error: answer not saved',
      detail: 'refused: gone'
    });
    expect(saveStateOf(status(1, null), 'refused: gone', true).state).toBe('saving');
  });
});
