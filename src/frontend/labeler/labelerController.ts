import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { ItemId, NotificationParamsOf, ParamsOf, Progress, Question, SessionInfo } from '../../protocol';
import { ErrorCodes } from '../../protocol';
import { errorMessage, SidecarError } from '../connection/sidecarError';
import { ConnectionStatus, ILabelerActions, ISidecarConnection } from '../tokens';
import {
  acquireOutbox,
  AnswerOutbox,
  IAcknowledgedAnswer,
  IDroppedAnswer,
  IOutboxLease,
  IOutboxStorage
} from './answerOutbox';
import { newAnswerId } from './answerId';
import {
  chooseLabel,
  choicesOf,
  isClassification,
  isMultiLabel,
  labelsOf,
  predictedSelection,
  selectionProblem
} from './classification';
import { MachineLabels } from './machineLabels';
import { ReviewPosition, stepBack, stepForward } from './review';
import { IDLE_SAVE_STATE, ISaveState, saveStateOf } from './saveState';
import { invertSelection, Selection, toggleCandidate } from './selection';
import { FieldErrors, fieldOfPath, IOptionField, SessionOptions } from './sessionOptions';

/** A question this panel answered, kept for review (←/→). */
export interface IAnsweredQuestion {
  readonly question: Question;
  /** Positions of the candidates marked relevant (classification: of the labels chosen among the choices). */
  readonly selection: Selection;
  readonly ignored: boolean;
  /** Classification: the label names sent. */
  readonly labels?: readonly string[];
  /** Classification: Enter accepted the prediction shown. */
  readonly acceptedPrediction?: boolean;
  /** Id of the answer sent, so a refused one can be taken off the review list. */
  readonly answerId: string;
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
  /**
   * Where answers not acknowledged yet survive a reload or a closed tab: `window.localStorage` by
   * default, `null` for memory only. The first panel of a session on the page decides (see `acquireOutbox`).
   */
  storage?: IOutboxStorage | null;
  /** How long an answer waits for its acknowledgement before it is resent later. */
  answerTimeoutMs?: number;
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
  /** Questions are being fetched and none is shown. */
  readonly fetching: boolean;
  /** Where this panel's answers are: `saved` once the sidecar acknowledged every one (they are then durable). */
  readonly save: ISaveState;
  /** Why an answer was refused for good (not resent), shown until dismissed; `null` when none was. */
  readonly dropped: string | null;
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
  /** Classification: a `session/train` ("Train now") request is in flight. */
  readonly trainRequested: boolean;
}

/**
 * One labeler panel's session: subscribes to it, fetches questions, sends
 * answers, skips and undos. Independent of React so it can be tested and
 * driven by the commands through `ILabelerActions`.
 *
 * Answers go through the session's `AnswerOutbox`: the next question shows at once (one is kept
 * in reserve), and an answer not acknowledged yet is kept and resent rather than lost.
 */
export class LabelerController implements ILabelerActions, IDisposable {
  constructor(
    private readonly _connection: ISidecarConnection,
    readonly sessionId: string,
    options: ILabelerControllerOptions = {}
  ) {
    this._answerSettleMs = options.answerSettleMs ?? DEFAULT_ANSWER_SETTLE_MS;
    this._lease = acquireOutbox(_connection, sessionId, {
      ...(options.storage === undefined ? {} : { storage: options.storage }),
      ...(options.answerTimeoutMs === undefined ? {} : { timeoutMs: options.answerTimeoutMs })
    });
    this._outbox = this._lease.outbox;
    this._outbox.changed.connect(this._onOutboxChanged, this);
    this._outbox.acknowledged.connect(this._onAcknowledged, this);
    this._outbox.dropped.connect(this._onDropped, this);
    this._state = { ...this._state, save: this._saveState() };
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

  /** Classification: the labels offered for the current question, in label order (keys 1–9); else empty. */
  get choices(): readonly string[] {
    const { question, session } = this._state;
    return question && this._classifies(question) ? choicesOf(question, session) : [];
  }

  /** Classification sessions: their auto-accepted items; `null` for similarity sessions and before subscribing. */
  get machineLabels(): MachineLabels | null {
    return this._machineLabels;
  }

  /** Whether the panel shows a question that cannot be answered: one under review, or a finished session. */
  get readOnly(): boolean {
    return this._state.review !== null || this._state.progress?.finished === true;
  }

  /**
   * Subscribes to the session once the connection is ready, resends the answers a previous page left
   * in the outbox, then fetches the first question.
   */
  async start(): Promise<void> {
    if (!this.sessionId) {
      this._update({ error: 'This labeler is not attached to a session (its session_id is empty).' });
      return;
    }
    await this._connection.ready;
    await this._subscribe();
  }

  /** Similarity: toggles a candidate. Classification: chooses a label (single-label) or toggles it (multi-label). */
  toggle(index: number): void {
    const { question, selection, session } = this._state;
    if (!question || this.readOnly) {
      return;
    }
    if (this._classifies(question)) {
      this._touched = true;
      this._update({ selection: chooseLabel(selection, index, this.choices.length, isMultiLabel(session)) });
      return;
    }
    this._update({ selection: toggleCandidate(selection, index, this.shownCandidates.length) });
  }

  /** Inverts the candidates, or a multi-label item's labels; a single-label item has nothing to invert. */
  invert(): void {
    const { question, selection, session } = this._state;
    if (!question || this.readOnly) {
      return;
    }
    if (this._classifies(question)) {
      if (isMultiLabel(session)) {
        this._touched = true;
        this._update({ selection: invertSelection(selection, this.choices.length) });
      }
      return;
    }
    this._update({ selection: invertSelection(selection, this.shownCandidates.length) });
  }

  submit(): void {
    this._answer('submit');
  }

  skip(): void {
    this._answer('skip');
  }

  /**
   * Classification (Enter): answers with the model's prediction as shown, whatever is selected. Nothing
   * happens without a prediction, on a similarity question, or right after the question appeared.
   */
  acceptPrediction(): void {
    this._answer('accept');
  }

  /** Classification ("Train now"): starts a training round without waiting for `updateEvery` answers. */
  async trainNow(): Promise<void> {
    if (this._state.trainRequested || this._state.phase !== 'ready') {
      return;
    }
    this._update({ trainRequested: true, error: null });
    try {
      const { progress } = await this._connection.request('train', { sessionId: this.sessionId });
      this._update({ progress, trainRequested: false });
    } catch (error) {
      this._update({ trainRequested: false });
      this._fail(error);
    }
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

  /** Hides the notice of a refused answer. */
  dismissDropped(): void {
    this._update({ dropped: null, save: this._saveState(null) });
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
        // The sidecar took back this connection's questions; the start item is its next one.
        this._spare = [];
        await this._ensureQuestions(true);
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
      // Queued answers first, so the kernel's `fit` returns with them; what cannot be sent stays queued.
      await this._outbox.flush();
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
    this._machineLabels?.dispose();
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
    // The last panel of the session disposes the outbox; what it still holds stays in browser storage.
    this._lease.dispose();
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
      if (isClassification(session) && !this._machineLabels) {
        this._machineLabels = new MachineLabels(this._connection, this.sessionId, progress =>
          this._update({ progress })
        );
        void this._machineLabels.refresh();
      }
      this._update({ session, progress: session.progress, phase: 'ready', error: null });
    } catch (error) {
      this._fail(error);
      return;
    } finally {
      this._subscribing = false;
    }
    // After a reload the outbox holds what the previous page could not send: that goes first.
    void this._outbox.flush();
    await this._ensureQuestions();
  }

  /**
   * Shows a question and keeps `SPARE_QUESTIONS` more at hand (`question/nextBatch`), so the annotator
   * moves on at once after answering, even while the answer is on its way or queued offline.
   *
   * It asks only while the outbox is empty, and asks again when it drains. The sidecar hands a
   * connection back the questions it holds until their answers are recorded, and after a reconnection
   * or a reload an unrecorded question's query is back in the pool, where a new question for it would
   * supersede the queued answer's and get that answer refused. Answers sent before the request are
   * recorded before it is served, so neither can happen. Questions this panel answered or has queued
   * are still filtered out: a batch served before an answer sent after it still lists its question.
   *
   * With `replace`, the shown question is replaced too (the sidecar took it back: undo, start question,
   * reconnection), as soon as the outbox allows.
   */
  private async _ensureQuestions(replace = false): Promise<void> {
    this._replaceShown ||= replace;
    if (this._isDisposed || this._state.phase !== 'ready' || this._asking || this._outbox.pending.length > 0) {
      return;
    }
    const replacing = this._replaceShown;
    const shown = replacing ? null : this._state.question;
    // A shown question from before a reconnection is no longer held by this connection: asking now
    // could bring it back as a new question and supersede it while the annotator looks at it.
    if (shown && (this._spare.length >= this._spareCount || this._shownEpoch !== this._epoch)) {
      return;
    }
    this._replaceShown = false;
    this._asking = true;
    const epoch = this._epoch;
    this._loadedAtLastFetch = this._state.progress?.loadedItems ?? 0;
    if (!this._state.question) {
      this._update({ fetching: true });
    }
    try {
      const { questions } = await this._connection.request('nextQuestions', {
        sessionId: this.sessionId,
        count: this._spareCount + 1
      });
      if (epoch === this._epoch && !this._replaceShown) {
        this._take(questions, replacing);
      }
    } catch (error) {
      this._fail(error);
    } finally {
      this._asking = false;
      this._update({ fetching: false });
    }
    if (epoch !== this._epoch || this._replaceShown) {
      await this._ensureQuestions();
    }
  }

  /**
   * With "keep same question" the answered query is asked again next, so nothing is kept in reserve:
   * a reserved question would come between.
   */
  private get _spareCount(): number {
    return this._state.session?.keepSameQuestion ? 0 : SPARE_QUESTIONS;
  }

  /** Shows the first of `questions` when none is shown (or `replace`), and keeps the rest in reserve. */
  private _take(questions: readonly Question[], replace: boolean): void {
    const current = replace ? null : this._state.question;
    const fresh = questions.filter(
      q => q.id !== current?.id && !this._answeredIds.has(q.id) && !this._outbox.has(q.id)
    );
    const next = current ?? fresh.shift() ?? null;
    this._spare = fresh.slice(0, this._spareCount);
    if (next !== this._state.question || replace) {
      this._show(next);
    }
  }

  /** Shows a question; a classification question comes with the model's prediction pre-selected. */
  private _show(question: Question | null): void {
    this._questionShownAt = Date.now();
    this._shownEpoch = this._epoch;
    this._touched = false;
    const selection =
      question && this._classifies(question)
        ? predictedSelection(question, choicesOf(question, this._state.session))
        : new Set<number>();
    this._update({ question, selection });
  }

  /** A classification question: it has choices, or the session labels classes. */
  private _classifies(question: Question): boolean {
    return question.choices !== undefined || isClassification(this._state.session);
  }

  /** Queues the answer and moves to the question in reserve at once; the outbox does the sending. */
  private _answer(kind: AnswerKind): void {
    const { question } = this._state;
    if (!question || this._state.undoing || this.readOnly) {
      return;
    }
    const made = this._classifies(question) ? this._classificationAnswer(question, kind) : this._similarityAnswer(kind);
    if (!made) {
      return;
    }
    const answer: ParamsOf<'answer'> = {
      sessionId: this.sessionId,
      questionId: question.id,
      answerId: newAnswerId(),
      ...made.params
    };
    this._answeredIds.add(question.id);
    this._update({
      answered: [
        ...this._state.answered,
        {
          question,
          selection: made.selection,
          ignored: answer.ignore,
          answerId: answer.answerId,
          ...(answer.labels ? { labels: answer.labels } : {}),
          ...(answer.acceptedPrediction ? { acceptedPrediction: true } : {})
        }
      ],
      error: null
    });
    this._show(this._spare.shift() ?? null);
    if (!this._state.question && this._asking) {
      this._update({ fetching: true });
    }
    this._outbox.add(answer);
  }

  /** Similarity: the selected candidates are relevant, the others not; skip and accept as before 1.4. */
  private _similarityAnswer(kind: AnswerKind): IMadeAnswer | null {
    const { selection } = this._state;
    const ignore = kind === 'skip';
    if (kind === 'accept' || this._unseen(ignore || selection.size === 0)) {
      return null;
    }
    const shown = this.shownCandidates;
    const relevant: ItemId[] = ignore ? [] : [...selection].sort((a, b) => a - b).map(i => shown[i].id);
    return { params: { relevant, ignore }, selection: ignore ? new Set() : selection };
  }

  /**
   * Classification: the labels selected (Space), the prediction (Enter), or a skip (S), with `relevant: []`.
   * Within the settle time nothing is sent unless the annotator touched a choice, since the pre-selected
   * prediction would otherwise be submitted unseen by a doubled key press.
   */
  private _classificationAnswer(question: Question, kind: AnswerKind): IMadeAnswer | null {
    const { selection, session } = this._state;
    if (this._unseen(kind === 'skip' || !this._touched)) {
      return null;
    }
    if (kind === 'skip') {
      return { params: { relevant: [], ignore: true }, selection: new Set() };
    }
    const choices = choicesOf(question, session);
    const multiLabel = isMultiLabel(session);
    if (kind === 'accept') {
      const prediction = question.prediction;
      const predicted = prediction ? predictedSelection(question, choices) : null;
      // No prediction yet, or one naming a label no longer offered: Enter does nothing.
      if (
        !prediction ||
        !predicted ||
        predicted.size !== prediction.labels.length ||
        selectionProblem(predicted, multiLabel)
      ) {
        return null;
      }
      return {
        params: { relevant: [], ignore: false, labels: labelsOf(predicted, choices), acceptedPrediction: true },
        selection: predicted
      };
    }
    const problem = selectionProblem(selection, multiLabel);
    if (problem) {
      this._update({ error: problem });
      return null;
    }
    return { params: { relevant: [], ignore: false, labels: labelsOf(selection, choices) }, selection };
  }

  /**
   * Whether an answer now could be meant for the previous question: it comes within the settle
   * time of this one appearing and nothing was selected on it (a toggle shows it was seen).
   */
  private _unseen(nothingSelected: boolean): boolean {
    return nothingSelected && Date.now() - this._questionShownAt < this._answerSettleMs;
  }

  private async _undo(): Promise<void> {
    const { undoing, phase, progress } = this._state;
    if (undoing || phase !== 'ready' || progress?.finished) {
      return;
    }
    if (this._outbox.pending.length > 0) {
      // The sidecar undoes its latest recorded answer, which is not the queued one yet.
      this._update({ error: 'Undo waits until your answers are saved (the latest one is not recorded yet).' });
      return;
    }
    this._update({ undoing: true, error: null, review: null });
    try {
      const result = await this._connection.request('undo', { sessionId: this.sessionId });
      this._acknowledgedAny = false;
      this._update({
        progress: result.progress,
        undoing: false,
        answered: withoutUndone(this._state.answered, result.undoneQuestionId),
        error: result.undoneQuestionId === null ? 'Nothing to undo in this session.' : null
      });
      this._update({ save: this._saveState() });
    } catch (error) {
      this._update({ undoing: false });
      this._fail(error);
      return;
    }
    // The sidecar took back this connection's questions; the undone query comes first.
    this._spare = [];
    await this._ensureQuestions(true);
  }

  private _onOutboxChanged(): void {
    this._update({ save: this._saveState() });
    if (this._outbox.pending.length === 0) {
      void this._ensureQuestions();
    }
  }

  private _onAcknowledged(_: AnswerOutbox, { result }: IAcknowledgedAnswer): void {
    this._acknowledgedAny = true;
    this._update({ progress: result.progress });
  }

  /** A refused answer leaves the review list and is reported until dismissed, never silently. */
  private _onDropped(_: AnswerOutbox, { answer, message }: IDroppedAnswer): void {
    const known = this._state.answered.find(a => a.answerId === answer.answerId)?.question;
    const dropped = `Your answer to ${describeQuestion(known, answer.questionId)} was refused and will not be resent: ${message}`;
    const answered = this._state.answered.filter(a => a.answerId !== answer.answerId);
    const shifted = answered.length !== this._state.answered.length;
    this._update({ dropped, answered, ...(shifted ? { review: null } : {}) });
  }

  private _saveState(dropped: string | null = this._state.dropped): ISaveState {
    return saveStateOf(this._outbox.status, dropped, this._acknowledgedAny);
  }

  private _onProgress(_: ISidecarConnection, { sessionId, progress }: NotificationParamsOf<'progress'>): void {
    if (sessionId !== this.sessionId) {
      return;
    }
    this._update({ progress });
    // No question yet because the pool was still loading: ask again as items arrive.
    if (this._state.phase === 'ready' && !this._state.question && progress.loadedItems > this._loadedAtLastFetch) {
      void this._ensureQuestions();
    }
  }

  private _onSessionsChanged(_: ISidecarConnection, { sessions }: NotificationParamsOf<'sessionsChanged'>): void {
    const session = sessions.find(s => s.id === this.sessionId);
    if (session) {
      this._update({ session, progress: session.progress });
    } else if (this._state.phase === 'ready') {
      this._subscribed = false;
      this._spare = [];
      this._update({ phase: 'closed', question: null, selection: new Set() });
    }
  }

  /**
   * The connection restored our subscription. The sidecar gave the closed connection's questions back
   * to the pool: the reserve is dropped, and the shown question is replaced unless the annotator has
   * started on it — after the outbox has resent what the drop held up.
   */
  private async _onReconnected(): Promise<void> {
    this._epoch++;
    this._spare = [];
    if (!this._subscribed) {
      await this._subscribe();
      return;
    }
    await this._outbox.flush();
    try {
      const session = await this._connection.request('getSession', { sessionId: this.sessionId });
      this._update({ session, progress: session.progress, error: null });
    } catch (error) {
      this._fail(error);
    }
    // Replaced only once the outbox is empty: until then the annotator keeps the question on screen.
    const { question, selection } = this._state;
    await this._ensureQuestions((!question || selection.size === 0) && this._outbox.pending.length === 0);
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
      this._spare = [];
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
    save: IDLE_SAVE_STATE,
    dropped: null,
    undoing: false,
    error: null,
    answered: [],
    review: null,
    modelSave: { status: 'idle' },
    finishing: false,
    configuring: false,
    trainRequested: false
  };
  private readonly _answerSettleMs: number;
  private readonly _lease: IOutboxLease;
  private readonly _outbox: AnswerOutbox;
  /** Questions fetched beyond the shown one, shown next without a request. */
  private _spare: Question[] = [];
  /** Ids of the questions this panel answered: never shown again (the sidecar makes a new one to re-ask). */
  private readonly _answeredIds = new Set<string>();
  /** Counts reconnections: questions fetched before the latest one were handed back by the sidecar. */
  private _epoch = 0;
  private _shownEpoch = 0;
  /** A `question/nextBatch` request is in flight. */
  private _asking = false;
  private _replaceShown = false;
  private _acknowledgedAny = false;
  private _questionShownAt = 0;
  /** Classification: a choice was pressed or clicked since the question appeared. */
  private _touched = false;
  private _machineLabels: MachineLabels | null = null;
  private _subscribed = false;
  private _subscribing = false;
  private _loadedAtLastFetch = 0;
  private _isDisposed = false;
  private readonly _stateChanged = new Signal<LabelerController, ILabelerState>(this);
}

const DEFAULT_ANSWER_SETTLE_MS = 200;

/** Space (the selection), S (skip) and Enter (the prediction, classification only). */
type AnswerKind = 'submit' | 'skip' | 'accept';

/** The task-specific part of an answer, and the selection kept for review. */
interface IMadeAnswer {
  params: Pick<ParamsOf<'answer'>, 'relevant' | 'ignore' | 'labels' | 'acceptedPrediction'>;
  selection: Selection;
}

/** Questions kept in reserve beyond the shown one: `question/nextBatch` asks for one more than that. */
const SPARE_QUESTIONS = 1;

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

/** The query the annotator saw (its text, else its row), or the question id when this panel did not show it. */
function describeQuestion(question: Question | undefined, questionId: string): string {
  if (!question) {
    return `question ${questionId}`;
  }
  const text = question.query.text?.trim();
  if (text) {
    return `“${text.length > 60 ? `${text.slice(0, 59)}…` : text}”`;
  }
  return `the query at row ${question.query.index}`;
}
