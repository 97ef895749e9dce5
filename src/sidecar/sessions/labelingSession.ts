import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../protocol/limits';
import type {
  Candidate,
  ItemId,
  ParamsOf,
  Progress,
  Question,
  ResultOf,
  SessionConfig,
  SessionInfo
} from '../../protocol/messages';
import { TextItem, decodeTextItems } from '../data/arrowItems';
import { TextEmbedder } from '../embedding/textEmbedder';
import { badData, invalidParams, questionNotFound } from '../errors';
import { EmbeddingMatrix } from '../index/embeddingMatrix';
import { exactTopK } from '../index/exactKnn';
import { LabelStore } from './labelStore';
import { QueryQueue } from './queryQueue';

/** Who holds questions: one id per client connection. */
export type HolderId = string;

/** What a session reports to its manager. */
export interface SessionListener {
  progressChanged(session: LabelingSession): void;
  loadingFinished(session: LabelingSession): void;
}

type QuestionStatus = 'open' | 'answered' | 'undone' | 'superseded';

interface QuestionRecord {
  question: Question;
  queryRow: number;
  status: QuestionStatus;
}

interface AnswerRecord {
  answerId: string;
  record: QuestionRecord;
  positive: number;
  negative: number;
  ignored: number;
}

/** Questions need a query and at least one other item to compare it with. */
const MIN_ITEMS_FOR_QUESTIONS = 2;

/**
 * One labeling session: its pool (items and their embeddings), the questions
 * handed out, and the answers. Everything a client can do to a session goes
 * through here; the manager only finds sessions by id or name.
 */
export class LabelingSession {
  readonly id = randomUUID();
  readonly createdAt = new Date().toISOString();

  private readonly items: TextItem[] = [];
  private readonly rowById = new Map<string, number>();
  private readonly vectors: EmbeddingMatrix;
  private readonly queue = new QueryQueue();

  private expectedItems = 0;
  private nextChunkIndex = 0;
  private loading = true;

  private readonly questions = new Map<string, QuestionRecord>();
  /** The latest question built for each query row. */
  private readonly questionByRow = new Map<number, QuestionRecord>();
  /** The question each connection holds, so `question/next` is idempotent until it is answered. */
  private readonly held = new Map<HolderId, QuestionRecord>();

  private readonly answersById = new Map<string, AnswerRecord>();
  /** Answers not undone, oldest first; undo pops from the end. */
  private readonly answerLog: AnswerRecord[] = [];
  private readonly counts = { done: 0, positive: 0, negative: 0, ignored: 0 };

  constructor(
    readonly config: SessionConfig,
    private readonly embedder: TextEmbedder,
    private readonly store: LabelStore,
    private readonly listener: SessionListener
  ) {
    this.vectors = new EmbeddingMatrix(embedder.dim);
  }

  get isLoading(): boolean {
    return this.loading;
  }

  progress(): Progress {
    return {
      ...this.counts,
      modelVersion: this.embedder.modelVersion,
      itemCount: Math.max(this.expectedItems, this.items.length),
      loadedItems: this.items.length
    };
  }

  info(): SessionInfo {
    return { ...this.config, id: this.id, createdAt: this.createdAt, loading: this.loading, progress: this.progress() };
  }

  /**
   * Appends one chunk of the pool. Chunks arrive in order; a resent chunk
   * already appended is acknowledged without being appended twice.
   */
  appendItems(params: Omit<ParamsOf<'appendItems'>, 'sessionId'>): ResultOf<'appendItems'> {
    if (params.chunkIndex < this.nextChunkIndex) {
      return { loadedItems: this.items.length, loading: this.loading };
    }
    if (!this.loading) {
      throw invalidParams('/chunkIndex', `the pool is complete: chunk ${this.nextChunkIndex - 1} was flagged isLast`);
    }
    if (params.chunkIndex > this.nextChunkIndex) {
      throw invalidParams('/chunkIndex', `expected chunk ${this.nextChunkIndex}, got ${params.chunkIndex}`);
    }
    const items = decodeTextItems(params.payload, LIMITS.maxItemsPerChunk);
    this.checkNewIds(items);

    const vectors = this.embedder.embed(items.map(item => item.text));
    for (const item of items) {
      this.rowById.set(idKey(item.id), this.items.length);
      this.items.push(item);
    }
    this.vectors.append(vectors);
    this.queue.grow(items.length);
    this.expectedItems = params.totalItems;
    this.nextChunkIndex += 1;
    if (params.isLast) {
      this.loading = false;
    }
    this.listener.progressChanged(this);
    if (params.isLast) {
      this.listener.loadingFinished(this);
    }
    return { loadedItems: this.items.length, loading: this.loading };
  }

  /** The question this connection holds, else a new one for the next query in line; null when none is left. */
  nextQuestion(holder: HolderId): Question | null {
    const current = this.held.get(holder);
    if (current !== undefined && current.status === 'open') {
      return current.question;
    }
    this.held.delete(holder);
    if (this.items.length < MIN_ITEMS_FOR_QUESTIONS) {
      return null;
    }
    const row = this.queue.take();
    if (row === undefined) {
      return null;
    }
    const previous = this.questionByRow.get(row);
    if (previous !== undefined && previous.status === 'open') {
      // A question handed back by a closed connection: its late answer must not count twice.
      previous.status = 'superseded';
    }
    const record: QuestionRecord = { question: this.buildQuestion(row), queryRow: row, status: 'open' };
    this.questions.set(record.question.id, record);
    this.questionByRow.set(row, record);
    this.held.set(holder, record);
    return record.question;
  }

  /**
   * Records an answer. A resent `answerId` changes nothing and reports
   * `duplicate: true`; the answer is stored before the counts change.
   */
  answer(holder: HolderId, params: Omit<ParamsOf<'answer'>, 'sessionId'>): ResultOf<'answer'> {
    if (this.answersById.has(params.answerId)) {
      return { progress: this.progress(), duplicate: true };
    }
    const record = this.questions.get(params.questionId);
    if (record === undefined) {
      throw questionNotFound(`question '${params.questionId}' does not belong to session '${this.id}'`);
    }
    if (record.status !== 'open') {
      throw questionNotFound(`question '${params.questionId}' is no longer open (${record.status})`);
    }
    const candidateIds = record.question.candidates.map(candidate => candidate.id);
    const relevant = distinctRelevant(params.relevant, candidateIds);

    this.store.answerRecorded({
      sessionId: this.id,
      answerId: params.answerId,
      questionId: params.questionId,
      queryId: record.question.query.id,
      candidateIds,
      relevantIds: params.ignore ? [] : relevant,
      ignored: params.ignore,
      annotator: holder,
      modelVersion: record.question.modelVersion,
      answeredAt: new Date().toISOString()
    });
    const answer: AnswerRecord = params.ignore
      ? { answerId: params.answerId, record, positive: 0, negative: 0, ignored: 1 }
      : {
          answerId: params.answerId,
          record,
          positive: relevant.length,
          negative: candidateIds.length - relevant.length,
          ignored: 0
        };
    this.answersById.set(answer.answerId, answer);
    this.answerLog.push(answer);
    this.applyCounts(answer, 1);
    record.status = 'answered';
    this.queue.markAnswered(record.queryRow);
    for (const [holderId, heldRecord] of this.held) {
      if (heldRecord === record) {
        this.held.delete(holderId);
      }
    }
    this.listener.progressChanged(this);
    return { progress: this.progress(), duplicate: false };
  }

  /**
   * Reverts the most recent answer not undone yet; its query is asked next.
   * The caller's own unanswered question is handed back too, so its next
   * `question/next` brings the undone query instead of the prefetched one.
   */
  undo(holder: HolderId): ResultOf<'undo'> {
    const answer = this.answerLog.pop();
    if (answer === undefined) {
      return { progress: this.progress(), undoneQuestionId: null };
    }
    this.store.answerUndone(this.id, answer.answerId);
    this.applyCounts(answer, -1);
    answer.record.status = 'undone';
    this.release(holder);
    this.queue.giveBack(answer.record.queryRow);
    this.listener.progressChanged(this);
    return { progress: this.progress(), undoneQuestionId: answer.record.question.id };
  }

  /** Hands back the question a connection holds (the connection closed); its query returns to the pool. */
  release(holder: HolderId): void {
    const record = this.held.get(holder);
    this.held.delete(holder);
    if (record !== undefined && record.status === 'open') {
      this.queue.giveBack(record.queryRow);
    }
  }

  private buildQuestion(row: number): Question {
    const neighbours = exactTopK(this.vectors, this.vectors.row(row), this.config.topK, row);
    const candidates: Candidate[] = neighbours.map(({ row: candidateRow, score }) => ({
      ...this.items[candidateRow],
      score
    }));
    return {
      id: randomUUID(),
      sessionId: this.id,
      query: { ...this.items[row] },
      candidates,
      modelVersion: this.embedder.modelVersion
    };
  }

  /** Item ids are what annotators' answers refer to, so they must be unique across the pool. */
  private checkNewIds(items: readonly TextItem[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = idKey(item.id);
      if (this.rowById.has(key) || seen.has(key)) {
        throw badData(`row ${item.index}: id ${JSON.stringify(item.id)} occurs more than once`, item.index);
      }
      seen.add(key);
    }
  }

  private applyCounts(answer: AnswerRecord, sign: 1 | -1): void {
    this.counts.done += sign;
    this.counts.positive += sign * answer.positive;
    this.counts.negative += sign * answer.negative;
    this.counts.ignored += sign * answer.ignored;
  }
}

/** Keys that keep 1 and "1" apart. */
function idKey(id: ItemId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}

/** The relevant ids without repeats; each must be one of the question's candidates. */
function distinctRelevant(relevant: readonly ItemId[], candidateIds: readonly ItemId[]): ItemId[] {
  const candidates = new Set(candidateIds.map(idKey));
  const distinct = new Map<string, ItemId>();
  relevant.forEach((id, position) => {
    if (!candidates.has(idKey(id))) {
      throw invalidParams(`/relevant/${position}`, `${JSON.stringify(id)} is not a candidate of this question`);
    }
    distinct.set(idKey(id), id);
  });
  return [...distinct.values()];
}
