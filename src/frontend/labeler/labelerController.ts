import { UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { ItemId, NotificationParamsOf, Progress, Question, SessionInfo } from '../../protocol';
import { ErrorCodes } from '../../protocol';
import { errorMessage, SidecarError } from '../connection/sidecarError';
import { ConnectionStatus, ILabelerActions, ISidecarConnection } from '../tokens';
import { ReviewPosition, stepBack, stepForward } from './review';
import { invertSelection, Selection, toggleCandidate } from './selection';
import { FieldErrors, fieldOfPath, IOptionField, SessionOptions } from './sessionOptions';

/** A question this panel answered, kept for review (←/→). */
export interface IAnsweredQuestion {
  readonly question: Question;
  /** Positions of the candidates marked relevant. */
  readonly selection: Selection;
  readonly ignored: boolean;
}

/** Where the latest Save model went. */
export type ModelSaveState =
  | { readonly status: 'idle' }
  | { readonly status: 'saving' }
  | { readonly status: 'saved'; readonly path: string; readonly modelVersion: number; readonly files: string[] }
  | { readonly status: 'failed'; readonly error: string };

/** What a `configure` call came to: applied, or messages for the fields at fault. */
export type ConfigureResult = { ok: true } | { ok: false; errors: FieldErrors; error: string | null };

export interface ILabelerControllerOptions {
  /**
   * Submit with nothing selected, and skip, are ignored this long after a new question appears,
   * so a double click or a key pressed twice does not answer the next question unseen
   * (Finetuner #85).
   */
  answerSettleMs?: number;
}

/** Everything a labeler panel shows. */
export interface ILabelerState {
  /** The session as the sidecar last described it, once subscribed. */
  readonly session: SessionInfo | null;
  readonly progress: Progress | null;
  /** The question on screen; `null` before the first one and when none is left. */
  readonly question: Question | null;
  readonly selection: Selection;
  /** `starting` until subscribed; `closed` once the session is gone from the sidecar. */
  readonly phase: 'starting' | 'ready' | 'closed';
  /** A `question/next` request is in flight. */
  readonly fetching: boolean;
  /** State of the latest answer: `saved` once the sidecar acknowledged it (it is then durable). */
  readonly saving: 'idle' | 'saving' | 'saved';
  readonly undoing: boolean;
  /** The latest failure, shown until the next action succeeds. */
  readonly error: string | null;
  /** This panel's answers not undone, oldest first. */
  readonly answered: readonly IAnsweredQuestion[];
  /** `null` on the current question, else the position in `answered` being reviewed. */
  readonly review: ReviewPosition;
  readonly modelSave: ModelSaveState;
  /** A `session/finish` request is in flight. */
  readonly finishing: boolean;
  /** A `session/configure` request is in flight. */
  readonly configuring: boolean;
}

/**
 * One labeler panel's session: subscribes to it, fetches questions, sends
 * answers, skips and undos. Independent of React so it can be tested and
 * driven by the commands through `ILabelerActions`.
 */
export class LabelerController implements ILabelerActions, IDisposable {
  constructor(
    private readonly _connection: ISidecarConnection,
    readonly sessionId: string,
    options: ILabelerControllerOptions = {}
  ) {
    this._answerSettleMs = options.answerSettleMs ?? DEFAULT_ANSWER_SETTLE_MS;
    _connection.onNotification.progress.connect(this._onProgress, this);
    _connection.onNotification.sessionsChanged.connect(this._onSessionsChanged, this);
    _connection.reconnected.connect(this._onReconnected, this);
    _connection.statusChanged.connect(this._onStatusChanged, this);
  }

  get state(): ILabelerState {
    return this._state;
  }

  get stateChanged(): ISignal<LabelerController, ILabelerState> {
    return this._stateChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Candidates of the current question. All are shown: an unselected candidate is recorded as a
   * negative, so hiding one would label it without the annotator seeing it.
   */
  get shownCandidates(): Question['candidates'] {
    return this._state.question?.candidates ?? [];
  }

  /** Whether the panel shows a question that cannot be answered: one under review, or a finished session. */
  get readOnly(): boolean {
    return this._state.review !== null || this._state.progress?.finished === true;
  }

  /** Subscribes to the session once the connection is ready, then fetches the first question. */
  async start(): Promise<void> {
    if (!this.sessionId) {
      this._update({ error: 'This labeler is not attached to a session (its session_id is empty).' });
      return;
    }
    await this._connection.ready;
    await this._subscribe();
  }

  toggle(index: number): void {
    if (this._state.question && !this.readOnly) {
      this._update({ selection: toggleCandidate(this._state.selection, index, this.shownCandidates.length) });
    }
  }

  invert(): void {
    if (this._state.question && !this.readOnly) {
      this._update({ selection: invertSelection(this._state.selection, this.shownCandidates.length) });
    }
  }

  submit(): void {
    void this._answer(false);
  }

  skip(): void {
    void this._answer(true);
  }

  undo(): void {
    void this._undo();
  }

  back(): void {
    this._update({ review: stepBack(this._state.review, this._state.answered.length) });
  }

  forward(): void {
    this._update({ review: stepForward(this._state.review, this._state.answered.length) });
  }

  /**
   * Changes session options through `session/configure`. An InvalidParams error naming one of
   * `fields` (by `data.path`) comes back as that field's message rather than the panel's error.
   */
  async configure(changes: SessionOptions, fields: readonly IOptionField[]): Promise<ConfigureResult> {
    if (Object.keys(changes).length === 0) {
      return { ok: true };
    }
    this._update({ configuring: true });
    try {
      const session = await this._connection.request('configure', { sessionId: this.sessionId, ...changes });
      this._update({ session, progress: session.progress, configuring: false, error: null });
      if (changes.startQuestion !== undefined) {
        // The sidecar handed back the shown question; the start item is this connection's next one.
        await this._fetchNext();
      }
      return { ok: true };
    } catch (error) {
      this._update({ configuring: false });
      const field = error instanceof SidecarError ? fieldOfPath(fields, error.path) : null;
      if (field) {
        return { ok: false, errors: { [field]: errorMessage(error) }, error: null };
      }
      return { ok: false, errors: {}, error: errorMessage(error) };
    }
  }

  /** Writes the latest model to `path`, or to the session's model save path when omitted. */
  async saveModel(path?: string): Promise<void> {
    if (this._state.modelSave.status === 'saving') {
      return;
    }
    this._update({ modelSave: { status: 'saving' } });
    try {
      const saved = await this._connection.request('saveModel', {
        sessionId: this.sessionId,
        ...(path === undefined ? {} : { path })
      });
      this._update({ modelSave: { status: 'saved', ...saved } });
    } catch (error) {
      this._update({ modelSave: { status: 'failed', error: errorMessage(error) } });
    }
  }

  /** Ends labeling: `tunelab.fit(..., interactive=True)` returns in the kernel. */
  async finish(): Promise<void> {
    if (this._state.finishing || this._state.progress?.finished) {
      return;
    }
    this._update({ finishing: true, error: null });
    try {
      const { progress } = await this._connection.request('finish', { sessionId: this.sessionId });
      this._update({ progress, finishing: false, review: null });
    } catch (error) {
      this._update({ finishing: false });
      this._fail(error);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._subscribed) {
      this._subscribed = false;
      this._connection.request('unsubscribe', { sessionId: this.sessionId }).catch(() => undefined);
    }
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private get _busy(): boolean {
    const { fetching, saving, undoing } = this._state;
    return fetching || saving === 'saving' || undoing;
  }

  private async _subscribe(): Promise<void> {
    if (this._isDisposed || this._subscribed || this._subscribing) {
      return;
    }
    this._subscribing = true;
    try {
      const session = await this._connection.request('subscribe', { sessionId: this.sessionId });
      if (this._isDisposed) {
        this._connection.request('unsubscribe', { sessionId: this.sessionId }).catch(() => undefined);
        return;
      }
      this._subscribed = true;
      this._update({ session, progress: session.progress, phase: 'ready', error: null });
    } catch (error) {
      this._fail(error);
      return;
    } finally {
      this._subscribing = false;
    }
    await this._fetchNext();
  }

  private async _fetchNext(): Promise<void> {
    if (this._isDisposed || this._state.fetching) {
      return;
    }
    this._loadedAtLastFetch = this._state.progress?.loadedItems ?? 0;
    this._update({ fetching: true });
    try {
      const { question } = await this._connection.request('nextQuestion', { sessionId: this.sessionId });
      this._questionShownAt = Date.now();
      this._update({ question, selection: new Set(), fetching: false });
    } catch (error) {
      this._update({ fetching: false });
      this._fail(error);
    }
  }

  private async _answer(ignore: boolean): Promise<void> {
    const question = this._state.question;
    const selection = this._state.selection;
    if (!question || this._busy || this.readOnly || this._unseen(ignore || selection.size === 0)) {
      return;
    }
    const shown = this.shownCandidates;
    const relevant: ItemId[] = ignore ? [] : [...this._state.selection].sort((a, b) => a - b).map(i => shown[i].id);
    const answerId = this._answerIdFor(question.id, relevant, ignore);
    this._update({ saving: 'saving', error: null });
    try {
      const result = await this._connection.request('answer', {
        sessionId: this.sessionId,
        questionId: question.id,
        answerId,
        relevant,
        ignore
      });
      this._retry = null;
      const answered = result.duplicate
        ? this._state.answered
        : [...this._state.answered, { question, selection: ignore ? new Set<number>() : selection, ignored: ignore }];
      this._update({ progress: result.progress, saving: 'saved', answered });
    } catch (error) {
      this._update({ saving: 'idle' });
      this._fail(error);
      if (!(error instanceof SidecarError && error.code === ErrorCodes.QuestionNotFound)) {
        return; // Keep the question: the user can send the same answer again.
      }
    }
    await this._fetchNext();
  }

  /**
   * Whether an answer now could be meant for the previous question: it comes within the settle
   * time of this one appearing and nothing was selected on it (a toggle shows it was seen).
   */
  private _unseen(nothingSelected: boolean): boolean {
    return nothingSelected && Date.now() - this._questionShownAt < this._answerSettleMs;
  }

  /**
   * A resend of the same answer reuses its id, so the sidecar records it once
   * even if the first attempt was saved but its acknowledgement was lost.
   */
  private _answerIdFor(questionId: string, relevant: ItemId[], ignore: boolean): string {
    const content = JSON.stringify({ questionId, relevant, ignore });
    if (this._retry?.content !== content) {
      this._retry = { content, answerId: newAnswerId() };
    }
    return this._retry.answerId;
  }

  private async _undo(): Promise<void> {
    if (this._busy || this._state.phase !== 'ready' || this._state.progress?.finished) {
      return;
    }
    this._update({ undoing: true, error: null, review: null });
    try {
      const result = await this._connection.request('undo', { sessionId: this.sessionId });
      this._update({
        progress: result.progress,
        undoing: false,
        saving: 'idle',
        answered: withoutUndone(this._state.answered, result.undoneQuestionId),
        error: result.undoneQuestionId === null ? 'Nothing to undo in this session.' : null
      });
    } catch (error) {
      this._update({ undoing: false });
      this._fail(error);
      return;
    }
    await this._fetchNext();
  }

  private _onProgress(_: ISidecarConnection, { sessionId, progress }: NotificationParamsOf<'progress'>): void {
    if (sessionId !== this.sessionId) {
      return;
    }
    this._update({ progress });
    // No question yet because the pool was still loading: ask again as items arrive.
    if (this._state.phase === 'ready' && !this._state.question && progress.loadedItems > this._loadedAtLastFetch) {
      void this._fetchNext();
    }
  }

  private _onSessionsChanged(_: ISidecarConnection, { sessions }: NotificationParamsOf<'sessionsChanged'>): void {
    const session = sessions.find(s => s.id === this.sessionId);
    if (session) {
      this._update({ session, progress: session.progress });
    } else if (this._state.phase === 'ready') {
      this._subscribed = false;
      this._update({ phase: 'closed', question: null, selection: new Set() });
    }
  }

  /** The connection restored our subscription; catch up on what changed meanwhile. */
  private async _onReconnected(): Promise<void> {
    if (!this._subscribed) {
      await this._subscribe();
      return;
    }
    try {
      const session = await this._connection.request('getSession', { sessionId: this.sessionId });
      this._update({ session, progress: session.progress, error: null });
    } catch (error) {
      this._fail(error);
    }
    if (!this._state.question) {
      await this._fetchNext();
    }
  }

  private _onStatusChanged(_: ISidecarConnection, status: ConnectionStatus): void {
    // A first subscription that failed (no sidecar yet) is retried when the connection opens.
    if (status === 'open' && !this._subscribed && this._state.phase === 'starting') {
      void this._subscribe();
    }
  }

  private _fail(error: unknown): void {
    if (error instanceof SidecarError && error.code === ErrorCodes.SessionNotFound) {
      this._subscribed = false;
      this._update({ phase: 'closed', question: null, error: errorMessage(error) });
      return;
    }
    this._update({ error: errorMessage(error) });
  }

  private _update(patch: Partial<ILabelerState>): void {
    if (this._isDisposed) {
      return;
    }
    this._state = { ...this._state, ...patch };
    this._stateChanged.emit(this._state);
  }

  private _state: ILabelerState = {
    session: null,
    progress: null,
    question: null,
    selection: new Set(),
    phase: 'starting',
    fetching: false,
    saving: 'idle',
    undoing: false,
    error: null,
    answered: [],
    review: null,
    modelSave: { status: 'idle' },
    finishing: false,
    configuring: false
  };
  private readonly _answerSettleMs: number;
  private _questionShownAt = 0;
  private _subscribed = false;
  private _subscribing = false;
  private _loadedAtLastFetch = 0;
  private _retry: { content: string; answerId: string } | null = null;
  private _isDisposed = false;
  private readonly _stateChanged = new Signal<LabelerController, ILabelerState>(this);
}

const DEFAULT_ANSWER_SETTLE_MS = 200;

/** The answers without the one the sidecar undid (the latest with that question), if it is one of this panel's. */
function withoutUndone(
  answered: readonly IAnsweredQuestion[],
  questionId: string | null
): readonly IAnsweredQuestion[] {
  for (let i = answered.length - 1; i >= 0; i--) {
    if (answered[i].question.id === questionId) {
      return [...answered.slice(0, i), ...answered.slice(i + 1)];
    }
  }
  return answered;
}

/** `crypto.randomUUID` exists only in secure contexts; JupyterLab may be served over plain http. */
function newAnswerId(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : UUID.uuid4();
}
