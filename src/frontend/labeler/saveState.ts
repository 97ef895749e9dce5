import type { IOutboxStatus } from './answerOutbox';

/** The `data-state` of a panel's save indicator (`data-testid="tl-save-state"`). */
export type SaveStateName = 'idle' | 'saving' | 'saved' | 'queued' | 'error';

/** Where this panel's answers are: what the header says, and the full story when something is wrong. */
export interface ISaveState {
  readonly state: SaveStateName;
  /** Answers not acknowledged yet. */
  readonly pending: number;
  /** Short text for the header. */
  readonly label: string;
  /** A sentence for the notice under the header when answers wait or one was refused; `null` otherwise. */
  readonly detail: string | null;
}

export const IDLE_SAVE_STATE: ISaveState = { state: 'idle', pending: 0, label: '', detail: null };

/**
 * The save state from the outbox's status: queued answers first (`saving`, or `queued` once sending
 * failed), then a refused answer (`error`, until dismissed), then `saved` once an answer was
 * acknowledged, else `idle`.
 */
export function saveStateOf(outbox: IOutboxStatus, dropped: string | null, acknowledged: boolean): ISaveState {
  const { pending, failure, storageError } = outbox;
  const kept = storageError
    ? `${yourAnswers(pending)} kept in this page only (browser storage failed: ${storageError}; keep this tab open)`
    : `${yourAnswers(pending)} kept in this browser`;
  if (pending > 0 && failure) {
    switch (failure.kind) {
      case 'offline':
        return {
          state: 'queued',
          pending,
          label: `offline — ${count(pending)} kept, will resend`,
          detail: `Offline: ${kept} and will be resent when the connection is back.`
        };
      case 'store':
        return {
          state: 'queued',
          pending,
          label: `not saved — ${count(pending)} kept, will resend`,
          detail: `The label store cannot write: ${failure.message}; ${kept} and will be resent.`
        };
      case 'session':
        return {
          state: 'queued',
          pending,
          label: `not saved — ${count(pending)} kept`,
          detail: `The sidecar does not know this session (${failure.message}); ${kept} and will be resent if it comes back.`
        };
      default:
        return {
          state: 'queued',
          pending,
          label: `not saved yet — ${count(pending)} kept, will resend`,
          detail: `Not saved yet (${failure.message}); ${kept} and will be resent.`
        };
    }
  }
  if (pending > 0) {
    return {
      state: 'saving',
      pending,
      label: pending === 1 ? 'saving…' : `saving… (${pending} pending)`,
      detail: storageError ? `Saving: ${kept}.` : null
    };
  }
  if (dropped !== null) {
    return { state: 'error', pending, label: 'error: answer not saved', detail: dropped };
  }
  return acknowledged ? { state: 'saved', pending, label: 'saved', detail: null } : IDLE_SAVE_STATE;
}

/** "1 answer", "3 answers". */
function count(n: number): string {
  return n === 1 ? '1 answer' : `${n} answers`;
}

/** "your answer is", "your 3 answers are". */
function yourAnswers(n: number): string {
  return n === 1 ? 'your answer is' : `your ${n} answers are`;
}
