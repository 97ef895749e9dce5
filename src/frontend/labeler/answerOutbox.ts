import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { ParamsOf, ResultOf } from '../../protocol';
import { ErrorCodes, Requests, validate } from '../../protocol';
import { errorMessage, SidecarError } from '../connection/sidecarError';
import { ISidecarConnection } from '../tokens';

/** An answer as `question/answer` sends it; its client-chosen `answerId` makes resending it idempotent. */
export type QueuedAnswer = ParamsOf<'answer'>;

/** The part of `Storage` the outbox uses: `window.localStorage`, or a fake in tests. */
export type IOutboxStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Why the oldest queued answer is still waiting. */
export interface IOutboxFailure {
  /**
   * `offline`: no connection to the sidecar; `store`: the label store cannot write (StoreUnavailable);
   * `session`: the sidecar does not know the session; `other`: no acknowledgement in time, a server error.
   */
  readonly kind: 'offline' | 'store' | 'session' | 'other';
  readonly message: string;
}

export interface IOutboxStatus {
  /** Answers not acknowledged yet. */
  readonly pending: number;
  /** The latest failure to send them; `null` once one goes through. */
  readonly failure: IOutboxFailure | null;
  /** Why the answers could not be kept in browser storage (they are then only in this page), or `null`. */
  readonly storageError: string | null;
}

export interface IAcknowledgedAnswer {
  readonly answer: QueuedAnswer;
  /** `duplicate: true` when an earlier attempt had been recorded and only its acknowledgement was lost. */
  readonly result: ResultOf<'answer'>;
}

export interface IDroppedAnswer {
  readonly answer: QueuedAnswer;
  /** The sidecar's reason (without the method name). */
  readonly message: string;
}

export interface IAnswerOutboxOptions {
  /** Where answers survive a reload or a closed tab; default `window.localStorage`, `null` for memory only. */
  storage?: IOutboxStorage | null;
  /** How long an answer may wait for its acknowledgement before it counts as failed and is resent later. */
  timeoutMs?: number;
  /** Wait before retrying after failure number `attempt` (0-based) while the connection is open. */
  retryDelay?: (attempt: number) => number;
}

/** Errors a resend cannot fix: the answer is dropped and reported. */
const PERMANENT_CODES: ReadonlySet<number> = new Set([
  ErrorCodes.InvalidParams,
  ErrorCodes.QuestionNotFound,
  ErrorCodes.BadData
]);

const DEFAULT_TIMEOUT_MS = 30_000;

/** 1 s doubling to 30 s: a full disk or a busy sidecar is not fixed in milliseconds. */
export function defaultRetryDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
}

/** The localStorage key of a session's queued answers. */
export function outboxStorageKey(sessionId: string): string {
  return `tunelab:answer-outbox:v1:${sessionId}`;
}

/**
 * The answers of one session not acknowledged by the sidecar yet, oldest first. Each is kept in memory
 * and in browser storage until acknowledged, sent one at a time in order, and resent after a failure:
 * when the connection comes back (`reconnected`), on a timer while it is open (store unavailable,
 * timeout), and whenever `flush()` is called (a new answer, a panel starting after a reload).
 * Resends reuse the answer id, so `duplicate: true` counts as acknowledged.
 */
export class AnswerOutbox implements IDisposable {
  constructor(
    private readonly _connection: ISidecarConnection,
    readonly sessionId: string,
    options: IAnswerOutboxOptions = {}
  ) {
    this._storage = options.storage === undefined ? browserStorage() : options.storage;
    this._timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this._retryDelay = options.retryDelay ?? defaultRetryDelay;
    this._key = outboxStorageKey(sessionId);
    this._pending = this._readStored();
    _connection.reconnected.connect(() => void this.flush(), this);
  }

  /** Queued answers, oldest first. */
  get pending(): readonly QueuedAnswer[] {
    return this._pending;
  }

  get status(): IOutboxStatus {
    return { pending: this._pending.length, failure: this._failure, storageError: this._storageError };
  }

  /** Emits the status whenever the queue or the failure changes. */
  get changed(): ISignal<AnswerOutbox, IOutboxStatus> {
    return this._changed;
  }

  get acknowledged(): ISignal<AnswerOutbox, IAcknowledgedAnswer> {
    return this._acknowledged;
  }

  /** An answer refused for good (its question is gone or superseded, bad params): it will not be resent. */
  get dropped(): ISignal<AnswerOutbox, IDroppedAnswer> {
    return this._dropped;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether an answer to this question is still queued. */
  has(questionId: string): boolean {
    return this._pending.some(answer => answer.questionId === questionId);
  }

  /** Queues an answer (stored first, so a reload right now keeps it) and starts sending. */
  add(answer: QueuedAnswer): void {
    if (this._pending.some(a => a.answerId === answer.answerId)) {
      return;
    }
    this._pending = [...this._pending, answer];
    this._writeStored(stored => (stored.some(a => a.answerId === answer.answerId) ? stored : [...stored, answer]));
    this._changed.emit(this.status);
    // Sent by the run in progress if there is one; after a failure it waits with the others.
    this._added = true;
    this._flushing ??= this._run();
  }

  /**
   * Sends the queued answers in order until all are acknowledged or one fails for now, and resolves
   * then. Calls share one run; a call during a run makes it go over the queue once more even if an
   * attempt fails, since that attempt may predate what prompted the call (a reconnection).
   */
  flush(): Promise<void> {
    this._again = true;
    this._flushing ??= this._run();
    return this._flushing;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._clearRetry();
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private async _run(): Promise<void> {
    try {
      while ((this._again || this._added) && !this._isDisposed) {
        this._again = false;
        this._added = false;
        await this._drain();
      }
    } finally {
      // Runs right after the last check of `_again`, so a later `flush()` starts a new run.
      this._flushing = null;
    }
  }

  private async _drain(): Promise<void> {
    this._clearRetry();
    while (this._pending.length > 0 && !this._isDisposed) {
      const answer = this._pending[0];
      const outcome = await this._send(answer);
      if (outcome.status === 'acknowledged') {
        // Forgotten even when disposed meanwhile: the sidecar has it.
        this._forget(answer.answerId);
        this._failure = null;
        this._attempt = 0;
        this._acknowledged.emit({ answer, result: outcome.result });
        this._changed.emit(this.status);
      } else if (outcome.status === 'dropped') {
        if (this._isDisposed) {
          return; // Nobody to tell: keep it stored, the next panel of this session reports it.
        }
        this._forget(answer.answerId);
        this._dropped.emit({ answer, message: outcome.message });
        this._changed.emit(this.status);
      } else {
        this._failure = outcome.failure;
        this._added = false;
        this._changed.emit(this.status);
        this._scheduleRetry(outcome.failure);
        return;
      }
    }
  }

  private async _send(answer: QueuedAnswer): Promise<SendOutcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SidecarError(`no acknowledgement within ${duration(this._timeoutMs)}`, null, 'timeout')),
        this._timeoutMs
      );
    });
    try {
      // A late acknowledgement of a timed-out attempt is harmless: the resend reports `duplicate`.
      const result = await Promise.race([this._connection.request('answer', answer), timeout]);
      return { status: 'acknowledged', result };
    } catch (error) {
      return classify(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Retries on a timer only while the connection is open (the store may get space, the sidecar may catch
   * up); a dropped connection resends on `reconnected`. An unknown session waits for a reconnection too.
   */
  private _scheduleRetry(failure: IOutboxFailure): void {
    if (this._isDisposed || failure.kind === 'session' || this._connection.status !== 'open') {
      return;
    }
    this._clearRetry();
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      void this.flush();
    }, this._retryDelay(this._attempt++));
  }

  private _clearRetry(): void {
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
  }

  private _forget(answerId: string): void {
    this._pending = this._pending.filter(a => a.answerId !== answerId);
    this._writeStored(stored => stored.filter(a => a.answerId !== answerId));
  }

  /** The stored answers of this session; entries that are not valid answers are skipped. */
  private _readStored(): QueuedAnswer[] {
    if (!this._storage) {
      return [];
    }
    try {
      const text = this._storage.getItem(this._key);
      const parsed: unknown = text ? JSON.parse(text) : [];
      return Array.isArray(parsed) ? parsed.filter((entry): entry is QueuedAnswer => this._isOwnAnswer(entry)) : [];
    } catch (error) {
      this._storageError = errorMessage(error);
      return [];
    }
  }

  /**
   * Changes the stored list by reading it again first: other tabs with this session write the same key,
   * so each change adds or removes one answer rather than overwriting the list with this page's.
   */
  private _writeStored(change: (stored: QueuedAnswer[]) => QueuedAnswer[]): void {
    if (!this._storage) {
      return;
    }
    try {
      const next = change(this._readStored());
      if (next.length === 0) {
        this._storage.removeItem(this._key);
      } else {
        this._storage.setItem(this._key, JSON.stringify(next));
      }
      this._storageError = null;
    } catch (error) {
      // Full or disabled storage: the answers are still sent from memory.
      this._storageError = errorMessage(error);
      console.warn(`Tunelab: cannot keep answers in browser storage: ${this._storageError}`);
    }
  }

  private _isOwnAnswer(entry: unknown): boolean {
    return validate(Requests.answer.params, entry).ok && (entry as QueuedAnswer).sessionId === this.sessionId;
  }

  private readonly _storage: IOutboxStorage | null;
  private readonly _timeoutMs: number;
  private readonly _retryDelay: (attempt: number) => number;
  private readonly _key: string;
  private _pending: readonly QueuedAnswer[];
  private _failure: IOutboxFailure | null = null;
  private _storageError: string | null = null;
  private _flushing: Promise<void> | null = null;
  /** `flush()` was called during the run. */
  private _again = false;
  /** An answer was added during the run. */
  private _added = false;
  private _attempt = 0;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private readonly _changed = new Signal<AnswerOutbox, IOutboxStatus>(this);
  private readonly _acknowledged = new Signal<AnswerOutbox, IAcknowledgedAnswer>(this);
  private readonly _dropped = new Signal<AnswerOutbox, IDroppedAnswer>(this);
}

type SendOutcome =
  | { status: 'acknowledged'; result: ResultOf<'answer'> }
  | { status: 'dropped'; message: string }
  | { status: 'failed'; failure: IOutboxFailure };

/** Permanent errors drop the answer; anything else keeps it queued (never lose an answer on a doubt). */
export function classify(error: unknown): Exclude<SendOutcome, { status: 'acknowledged' }> {
  const message = withoutMethod(errorMessage(error));
  if (!(error instanceof SidecarError)) {
    return { status: 'failed', failure: { kind: 'other', message } };
  }
  if (error.code !== null && PERMANENT_CODES.has(error.code)) {
    return { status: 'dropped', message };
  }
  if (error.code === ErrorCodes.StoreUnavailable) {
    return { status: 'failed', failure: { kind: 'store', message } };
  }
  if (error.code === ErrorCodes.SessionNotFound) {
    return { status: 'failed', failure: { kind: 'session', message } };
  }
  if (error.code === null && error.kind !== 'timeout' && error.kind !== 'invalid_result') {
    return { status: 'failed', failure: { kind: 'offline', message } };
  }
  return { status: 'failed', failure: { kind: 'other', message } };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** SidecarError messages start with the method; the user knows it is about an answer. */
function withoutMethod(message: string): string {
  const prefix = `${Requests.answer.method}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** `window.localStorage`, or `null` where there is none or it may not be used (privacy settings). */
export function browserStorage(): IOutboxStorage | null {
  try {
    return typeof window !== 'undefined' && window.localStorage ? window.localStorage : null;
  } catch {
    return null;
  }
}

/** One outbox of a session, shared by the panels that hold it. */
export interface IOutboxLease extends IDisposable {
  readonly outbox: AnswerOutbox;
}

const shared = new WeakMap<ISidecarConnection, Map<string, { outbox: AnswerOutbox; holders: number }>>();

/**
 * The page's outbox of `sessionId` on `connection`, created on first use (with these options) and
 * disposed when the last lease is. Panels of one session (cell, sidebar, tab) share it, so its answers
 * are sent once and every panel skips their questions.
 */
export function acquireOutbox(
  connection: ISidecarConnection,
  sessionId: string,
  options: IAnswerOutboxOptions = {}
): IOutboxLease {
  let bySession = shared.get(connection);
  if (!bySession) {
    bySession = new Map();
    shared.set(connection, bySession);
  }
  const sessions = bySession;
  let entry = sessions.get(sessionId);
  if (!entry || entry.outbox.isDisposed) {
    entry = { outbox: new AnswerOutbox(connection, sessionId, options), holders: 0 };
    sessions.set(sessionId, entry);
  }
  const held = entry;
  held.holders++;
  let released = false;
  return {
    outbox: held.outbox,
    get isDisposed() {
      return released;
    },
    dispose() {
      if (released) {
        return;
      }
      released = true;
      if (--held.holders === 0) {
        held.outbox.dispose();
        if (sessions.get(sessionId) === held) {
          sessions.delete(sessionId);
        }
      }
    }
  };
}
