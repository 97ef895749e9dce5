/**
 * A labeling session as the sidecar keeps it, for the controller's unit tests: questions held by the
 * connection until answered, answers recorded once per answer id, undo, and the hand-back of a closed
 * connection's questions (a query asked again gets a new question id, superseding the old one).
 */
import type { ParamsOf, Progress } from '../../protocol';
import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from './fakeConnection';
import { progress, question, sessionInfo } from './fixtures';

const CANDIDATES = 4;

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

  constructor(connection: FakeConnection, queries: string[]) {
    this.pool = [...queries];
    this.attach(connection);
  }

  /** Serves this session on `connection` (a new page, or the connection after a drop). */
  attach(connection: FakeConnection): void {
    connection.handlers = {
      subscribe: () => sessionInfo({ progress: this.progress() }),
      unsubscribe: () => ({}),
      getSession: () => sessionInfo({ progress: this.progress() }),
      nextQuestions: ({ count }) => ({ questions: this.serve(count).map(id => question(id, CANDIDATES)) }),
      answer: params => this.answer(params),
      undo: () => this.undo()
    };
  }

  /** The connection closed: its open questions go back to the pool (they stay answerable until re-asked). */
  release(): void {
    this.pool.unshift(...this.held.map(id => this._queryOf.get(id) ?? id));
    this.held = [];
  }

  progress(): Progress {
    const answers = this.recorded;
    const positive = answers.reduce((sum, a) => sum + (a.ignore ? 0 : a.relevant.length), 0);
    const ignored = answers.filter(a => a.ignore).length;
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
