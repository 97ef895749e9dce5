/**
 * A labeling session as the sidecar keeps it, for the controller's unit tests: questions held by the
 * connection until answered, answers recorded once per answer id, undo, and the hand-back of a closed
 * connection's questions (a query asked again gets a new question id, superseding the old one).
 * With `classification`, a protocol 1.4 classification session: questions with choices and the
 * prediction `predict` gives, machine labels, confirm/reject and "train now".
 */
import type { MachineLabelRecord, ParamsOf, Prediction, Progress, SessionInfo } from '../../protocol';
import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from './fakeConnection';
import { classificationQuestion, progress, question, sessionInfo } from './fixtures';

const CANDIDATES = 4;

export interface IFakeClassification {
  labels: string[];
  multiLabel?: boolean;
  updateEvery?: number;
  certaintyThreshold?: number | null;
  /** The prediction shown with a query's question; `null` (the default) before the model predicts. */
  predict?: (query: string) => Prediction | null;
}

export class FakeSession {
  /** Queries not asked yet (or handed back), in the order they will be asked. */
  pool: string[];
  /** Open questions the connection holds, oldest first. */
  held: string[] = [];
  /** Recorded answers, in order, undone ones removed. */
  readonly recorded: ParamsOf<'answer'>[] = [];
  /** When set, `question/answer` throws it and records nothing. */
  answerError: Error | null = null;
  /** When set, `question/answer` waits for it before answering (an answer in flight). */
  answerGate: Promise<void> | null = null;

  /** Classification: the auto-accepted items `session/machineLabels` lists. */
  machineLabels: MachineLabelRecord[] = [];
  /** Classification: whether the auto-accept gate is open (`progress.autoAcceptOpen`). */
  autoAcceptOpen = false;
  /** Classification: `session/train` calls. */
  trainRequests = 0;

  constructor(
    connection: FakeConnection,
    queries: string[],
    readonly classification: IFakeClassification | null = null
  ) {
    this.pool = [...queries];
    this.attach(connection);
  }

  /** Serves this session on `connection` (a new page, or the connection after a drop). */
  attach(connection: FakeConnection): void {
    connection.handlers = {
      subscribe: () => this.info(),
      unsubscribe: () => ({}),
      getSession: () => this.info(),
      nextQuestions: ({ count }) => ({ questions: this.serve(count).map(id => this.question(id)) }),
      answer: params => this.answer(params),
      undo: () => this.undo(),
      machineLabels: () => ({ machineLabels: [...this.machineLabels] }),
      confirmMachineLabel: params => this.settleMachineLabel('confirm', params.index, params.answerId, null),
      rejectMachineLabel: params =>
        this.settleMachineLabel('reject', params.index, params.answerId, params.labels ?? null),
      train: () => {
        this.trainRequests++;
        return { progress: { ...this.progress(), training: true } };
      }
    };
  }

  private info(): SessionInfo {
    const c = this.classification;
    if (!c) {
      return sessionInfo({ progress: this.progress() });
    }
    return sessionInfo({
      task: 'classification',
      labels: c.labels,
      multiLabel: c.multiLabel ?? false,
      updateEvery: c.updateEvery ?? 10,
      ...(c.certaintyThreshold === undefined ? {} : { certaintyThreshold: c.certaintyThreshold }),
      progress: this.progress()
    });
  }

  private question(id: string) {
    const c = this.classification;
    if (!c) {
      return question(id, CANDIDATES);
    }
    return classificationQuestion(id, c.labels, c.predict?.(this._queryOf.get(id) ?? id) ?? null);
  }

  /** Confirm (stores the machine label's labels) or reject (stores `labels`, or nothing when `null`). */
  private settleMachineLabel(
    action: 'confirm' | 'reject',
    index: number,
    answerId: string,
    labels: string[] | null
  ): { progress: Progress; duplicate: boolean } {
    const item = this.machineLabels.find(m => m.index === index);
    if (!item) {
      throw new SidecarError(`no machine label at row ${index}`, ErrorCodes.InvalidParams, 'invalid_params');
    }
    this.machineLabels = this.machineLabels.filter(m => m !== item);
    this.settled.push({ action, index, answerId, labels: action === 'confirm' ? item.labels : labels });
    return { progress: this.progress(), duplicate: false };
  }

  /** Classification: confirmed and rejected machine labels, in order. */
  readonly settled: { action: 'confirm' | 'reject'; index: number; answerId: string; labels: string[] | null }[] = [];

  /** The connection closed: its open questions go back to the pool (they stay answerable until re-asked). */
  release(): void {
    this.pool.unshift(...this.held.map(id => this._queryOf.get(id) ?? id));
    this.held = [];
  }

  progress(): Progress {
    const answers = this.recorded;
    const positive = answers.reduce((sum, a) => sum + (a.ignore ? 0 : a.relevant.length), 0);
    const ignored = answers.filter(a => a.ignore).length;
    if (this.classification) {
      return progress({
        done: answers.length,
        ignored,
        machineLabels: this.machineLabels.length,
        autoAcceptOpen: this.autoAcceptOpen,
        sinceUpdate: answers.length - ignored
      });
    }
    return progress({
      done: answers.length,
      positive,
      negative: (answers.length - ignored) * CANDIDATES - positive,
      ignored
    });
  }

  private serve(count: number): string[] {
    while (this.held.length < count && this.pool.length > 0) {
      const query = this.pool.shift() as string;
      const asked = (this._asked.get(query) ?? 0) + 1;
      this._asked.set(query, asked);
      const id = asked === 1 ? query : `${query}#${asked}`;
      for (const [openId, openQuery] of this._queryOf) {
        if (openQuery === query && this._open.has(openId)) {
          this._open.delete(openId); // superseded
        }
      }
      this._open.add(id);
      this._queryOf.set(id, query);
      this.held.push(id);
    }
    return this.held.slice(0, count);
  }

  private async answer(params: ParamsOf<'answer'>): Promise<{ progress: Progress; duplicate: boolean }> {
    if (this.answerGate) {
      await this.answerGate;
    }
    if (this.answerError) {
      throw this.answerError;
    }
    if (this._answerIds.has(params.answerId)) {
      return { progress: this.progress(), duplicate: true };
    }
    if (!this._open.has(params.questionId)) {
      throw new SidecarError(
        `question/answer: question '${params.questionId}' is no longer open`,
        ErrorCodes.QuestionNotFound,
        'question_not_found'
      );
    }
    this._answerIds.add(params.answerId);
    this._open.delete(params.questionId);
    this.held = this.held.filter(id => id !== params.questionId);
    const query = this._queryOf.get(params.questionId);
    this.pool = this.pool.filter(q => q !== query); // answered: not asked again
    this.recorded.push(params);
    return { progress: this.progress(), duplicate: false };
  }

  private undo(): { progress: Progress; undoneQuestionId: string | null } {
    const last = this.recorded.pop();
    if (!last) {
      return { progress: this.progress(), undoneQuestionId: null };
    }
    // As the sidecar: the caller's open questions go back, the undone query is asked first.
    this.release();
    this.pool.unshift(this._queryOf.get(last.questionId) ?? last.questionId);
    return { progress: this.progress(), undoneQuestionId: last.questionId };
  }

  private readonly _open = new Set<string>();
  private readonly _queryOf = new Map<string, string>();
  private readonly _asked = new Map<string, number>();
  private readonly _answerIds = new Set<string>();
}
