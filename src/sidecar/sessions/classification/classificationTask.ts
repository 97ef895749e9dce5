import { ConditionWaiters } from '../../training/conditionWaiters';
import { randomUUID } from 'node:crypto';
import type {
  AnswerRecord,
  Item,
  ItemId,
  ModelVersionRecord,
  ParamsOf,
  Prediction,
  Progress,
  Question,
  ResultOf,
  SessionConfig
} from '../../../protocol/messages';
import {
  certaintyOf,
  centroidHead,
  chooseQueries,
  ClassifierHeadExport,
  diffLabelSets,
  LabelSet,
  LabelSetError,
  partitionAnswers,
  probaFromHead,
  resolveAnswer,
  uncertaintyScores,
  UpdateSchedule,
  validateLabelSet
} from '../../engine/classification';
import type { PairLabel } from '../../engine/training';
import { Rng } from '../../engine/training/random';
import { invalidParams, invalidRequest, questionNotFound } from '../../errors';
import type { EmbeddingMatrix } from '../../index/embeddingMatrix';
import { describeError, log } from '../../log';
import type { LabelStore, StoredAnswer, StoredQuestion } from '../../store/labelStore';
import type { EffectiveConfig } from '../sessionOptions';
import { MachineLabelBook } from './machineLabels';

/** What a classification task needs from its LabelingSession (pool, embeddings, encoder rounds, listeners). */
export interface ClassificationHost {
  readonly sessionId: string;
  readonly store: LabelStore;
  readonly config: EffectiveConfig;
  /** The live pool embeddings (rows embedded so far). */
  matrix(): EmbeddingMatrix;
  item(row: number): Item;
  rowOf(id: ItemId): number | undefined;
  rowOfIndex(index: number): number | undefined;
  /**
   * One encoder round in the session's worker on `pairs()` (resolves once its embeddings are live), or
   * undefined when the encoder stays frozen (a fixed featurizer).
   */
  trainEncoder?: () => Promise<number | null>;
  /** The session's whole Progress (with this task's fields in it). */
  progress(): Progress;
  progressChanged(): void;
  modelUpdated(record: ModelVersionRecord): void;
}

/**
 * Validates a classification session's config (session/create), throwing InvalidParams at `/labels`; a
 * similarity session must not carry labels.
 */
export function checkTaskConfig(config: SessionConfig): LabelSet | undefined {
  if ((config.task ?? 'similarity') !== 'classification') {
    if (config.labels !== undefined || config.multiLabel !== undefined) {
      throw invalidParams(
        config.labels !== undefined ? '/labels' : '/multiLabel',
        `labels are for task "classification"; this session's task is "${config.task ?? 'similarity'}"`
      );
    }
    return undefined;
  }
  return labelSetOrThrow(config.labels, config.multiLabel ?? false);
}

function labelSetOrThrow(labels: unknown, multiLabel: boolean): LabelSet {
  try {
    return validateLabelSet(labels, multiLabel);
  } catch (err) {
    if (err instanceof LabelSetError) {
      throw invalidParams('/labels', err.message);
    }
    throw err;
  }
}

/** `restored`: asked before a restart and not answered: its answer (a browser's resend) is still accepted. */
type Status = 'open' | 'restored' | 'answered' | 'undone' | 'superseded';

interface AskedQuestion {
  question: Question;
  row: number;
  status: Status;
  /** The prediction shown, as class indices, for the auto-accept gate. */
  shown?: { certainty: number; classes: number[] };
}

interface ClassAnswer {
  answerId: string;
  questionId: string;
  row: number;
  /** Label names as stored (the session's spelling at the time). */
  labels: string[];
  ignored: boolean;
  acceptedPrediction: boolean;
  annotator: string;
  time: string;
  undone: boolean;
  modelVersion: number;
}

/** Rows considered per batch of active picks (chooseQueries is run again when they are used up or stale). */
const PICK_BATCH = 5;
/** Same-class and other-class partners per labelled row when class labels become encoder training pairs. */
const PAIR_PARTNERS = 4;

/**
 * A classification session's questions, answers and rounds (docs/classification.md). The pool, its
 * embeddings and the encoder processes stay in LabelingSession; the head is the engine's nearest-centroid head
 * (`centroidHead`) over the live pool embeddings, rebuilt each round, so a round costs one encoder round in
 * the worker (none for a frozen encoder) plus labels × dim here.
 */
export class ClassificationTask {
  private labelSet: LabelSet;
  private readonly rng: Rng;
  private readonly schedule: UpdateSchedule;
  private readonly book: MachineLabelBook;
  private readonly questions = new Map<string, AskedQuestion>();
  /** The latest question about each row. */
  private readonly byRow = new Map<number, AskedQuestion>();
  private readonly held = new Map<string, AskedQuestion[]>();
  private readonly answersById = new Map<string, ClassAnswer>();
  private readonly allAnswers: ClassAnswer[] = [];
  /** Answers not undone, oldest first (undo pops). */
  private readonly answerLog: ClassAnswer[] = [];
  /** Rows given back by undo or a closed connection: asked first. */
  private readonly returned: number[] = [];
  /** Rows asked next by request (startQuestion), labelled or not. */
  private readonly forced = new Set<number>();
  private readonly asked: number[] = [];
  /** Reject-without-labels answer ids already applied (a resend is a no-op). */
  private readonly rejections = new Set<string>();
  private head: ClassifierHeadExport | null = null;
  private version = 0;
  private loss: number | null = null;
  private readonly records: ModelVersionRecord[] = [];
  private probsCache?: { version: number; matrix: EmbeddingMatrix; rows: number; probs: Float32Array };
  private picks: { version: number; rows: { row: number; strategy: 'uncertain' | 'random' }[] } = {
    version: -1,
    rows: []
  };
  private running = false;
  private readonly waiters = new ConditionWaiters();

  constructor(
    private readonly host: ClassificationHost,
    labelSet: LabelSet
  ) {
    this.labelSet = labelSet;
    this.rng = new Rng(host.config.seed ?? 1);
    this.schedule = new UpdateSchedule(host.config.updateEvery);
    this.book = new MachineLabelBook(
      labelSet.labels.length,
      labelSet.multiLabel,
      host.config.certaintyThreshold ?? null,
      host.store,
      host.sessionId,
      () => this.labelSet.labels
    );
  }

  get modelVersion(): number {
    return this.version;
  }

  progress(): Partial<Progress> {
    const skipped = this.answerLog.filter(a => a.ignored).length;
    const done = this.answerLog.length;
    const perRound = this.host.config.questionsPerRound;
    return {
      done,
      saved: done,
      roundDone: done % perRound,
      round: Math.floor(done / perRound) + 1,
      positive: 0,
      negative: 0,
      ignored: skipped,
      modelVersion: this.version,
      lastLoss: this.loss,
      training: this.running,
      sinceUpdate: this.schedule.answersSinceRound,
      machineLabels: this.book.size,
      autoAcceptOpen: this.book.open,
      excluded: this.partition().excluded.length
    };
  }

  history(): ModelVersionRecord[] {
    return [...this.records];
  }

  // ---- questions

  /** Up to `count` questions for `holder`: those it holds first, then new ones. */
  next(holder: string, count: number): Question[] {
    const held = (this.held.get(holder) ?? []).filter(q => q.status === 'open');
    while (held.length < count) {
      const row = this.pickRow();
      if (row === undefined) {
        break;
      }
      held.push(this.ask(row.row, row.strategy));
    }
    this.held.set(holder, held);
    return held.slice(0, count).map(q => q.question);
  }

  /** A connection closed (or undid): its open questions' items go back to be asked first. */
  release(holder: string): void {
    for (const q of (this.held.get(holder) ?? []).reverse()) {
      if (q.status === 'open') {
        q.status = 'superseded';
        this.returned.push(q.row);
      }
    }
    this.held.delete(holder);
  }

  /** session/configure's startQuestion: this item is asked next (even if it was labelled: to relabel it). */
  askFirst(row: number): void {
    this.returned.unshift(row);
    this.forced.add(row);
  }

  private ask(row: number, strategy: Question['strategy']): AskedQuestion {
    const prediction = this.prediction(row);
    const question: Question = {
      id: randomUUID(),
      sessionId: this.host.sessionId,
      query: this.host.item(row),
      candidates: [],
      modelVersion: this.version,
      strategy,
      choices: [...this.labelSet.labels],
      prediction
    };
    const asked: AskedQuestion = { question, row, status: 'open' };
    const before = this.byRow.get(row);
    if (before !== undefined && before.status === 'restored') {
      before.status = 'superseded'; // asked anew: the late answer to the old question must not count twice
    }
    this.byRow.set(row, asked);
    if (prediction !== null) {
      asked.shown = { certainty: prediction.certainty, classes: this.classIndices(prediction.labels) };
    }
    this.questions.set(question.id, asked);
    this.asked.push(row);
    try {
      this.host.store.questionAsked(this.host.sessionId, {
        questionId: question.id,
        queryId: question.query.id,
        candidateIds: [],
        candidateExtras: [],
        modelVersion: this.version,
        strategy: strategy ?? null
      });
    } catch (err) {
      log('warn', `session ${this.host.sessionId}: a question was not stored (${describeError(err)})`);
    }
    return asked;
  }

  /** Rows that may be asked: embedded, not labelled by a human, not held open, not machine-labelled. */
  private askable(): (row: number) => boolean {
    const size = this.host.matrix().size;
    const taken = new Set<number>(this.answerLog.map(a => a.row));
    for (const q of this.questions.values()) {
      if (q.status === 'open') {
        taken.add(q.row);
      }
    }
    return row => row < size && !taken.has(row) && !this.book.has(row);
  }

  private pickRow(): { row: number; strategy: 'uncertain' | 'random' | 'sequential' | 'repeat' } | undefined {
    const ok = this.askable();
    while (this.returned.length > 0) {
      const row = this.returned.shift() as number;
      if (this.forced.delete(row) || ok(row)) {
        return { row, strategy: 'repeat' };
      }
    }
    if (this.picks.version !== this.version || this.head === null) {
      this.picks = { version: this.version, rows: [] };
    }
    while (this.picks.rows.length > 0) {
      const pick = this.picks.rows.shift() as { row: number; strategy: 'uncertain' | 'random' };
      if (ok(pick.row)) {
        return pick;
      }
    }
    const size = this.host.matrix().size;
    const candidates: number[] = [];
    for (let row = 0; row < size; row++) {
      if (ok(row)) {
        candidates.push(row);
      }
    }
    if (candidates.length === 0) {
      return undefined;
    }
    const order = this.host.config.queryOrder;
    if (order === 'sequential') {
      return { row: candidates[0], strategy: 'sequential' }; // dataset order: a baseline
    }
    if (order === 'random' || !this.canPredict()) {
      // The random baseline, and before the model can predict: a uniform draw (seeded), the unbiased start
      // active learning needs.
      return { row: candidates[this.rng.int(candidates.length)], strategy: 'random' };
    }
    const probs = this.poolProbs();
    const k = this.labelSet.labels.length;
    const uncertainty = uncertaintyScores(probs, k, this.host.config.uncertainty ?? 'margin', this.labelSet.multiLabel);
    const matrix = this.host.matrix();
    const choices = chooseQueries({
      candidates,
      uncertainty,
      embeddings: matrix.view(),
      dim: matrix.dim,
      asked: this.asked,
      count: PICK_BATCH,
      diversityWeight: this.host.config.diversityWeight ?? 0.3,
      randomShare: this.host.config.randomShare,
      seed: (this.host.config.seed ?? 1) * 7919 + this.asked.length
    });
    this.picks.rows = choices.map(c => ({ row: c.row, strategy: c.reason === 'random' ? 'random' : 'uncertain' }));
    return this.picks.rows.shift();
  }

  /** The head predicts once two classes have labels (single-label; multi-label: one positive class). */
  private canPredict(): boolean {
    if (this.head === null) {
      return false;
    }
    return this.labelSet.multiLabel || this.head.labelled.filter(Boolean).length >= 2;
  }

  /** Probabilities of every embedded row under the live head (cached per version and index). */
  private poolProbs(): Float32Array {
    const matrix = this.host.matrix();
    const cache = this.probsCache;
    if (cache && cache.version === this.version && cache.matrix === matrix && cache.rows === matrix.size) {
      return cache.probs;
    }
    const probs = probaFromHead(this.head as ClassifierHeadExport, matrix.view().subarray(0, matrix.size * matrix.dim));
    this.probsCache = { version: this.version, matrix, rows: matrix.size, probs };
    return probs;
  }

  private prediction(row: number): Prediction | null {
    if (!this.canPredict() || row >= this.host.matrix().size) {
      return null;
    }
    const k = this.labelSet.labels.length;
    const scores = Array.from(this.poolProbs().subarray(row * k, (row + 1) * k), clamp01);
    const { score, classIndices } = certaintyOf(scores, this.labelSet.multiLabel);
    return {
      labels: classIndices.map(c => this.labelSet.labels[c]),
      scores,
      certainty: clamp01(score),
      modelVersion: this.version
    };
  }

  private classIndices(labels: readonly string[]): number[] {
    return resolveAnswer({ labels: this.labelSet.labels, multiLabel: true }, labels);
  }

  /** Label names → class indices in the current set, or InvalidParams at /labels naming the problem. */
  private resolve(labels: readonly string[]): number[] {
    try {
      return resolveAnswer(this.labelSet, labels);
    } catch (err) {
      if (err instanceof LabelSetError) {
        throw invalidParams('/labels', err.message);
      }
      throw err;
    }
  }

  // ---- answers

  answer(holder: string, params: Omit<ParamsOf<'answer'>, 'sessionId'>, annotator: string): ResultOf<'answer'> {
    if (this.answersById.has(params.answerId)) {
      return { progress: this.progressAll(), duplicate: true };
    }
    const asked = this.questions.get(params.questionId);
    if (asked === undefined) {
      throw questionNotFound(`question '${params.questionId}' does not belong to session '${this.host.sessionId}'`);
    }
    if (asked.status !== 'open' && asked.status !== 'restored') {
      throw questionNotFound(`question '${params.questionId}' is no longer open (${asked.status})`);
    }
    const ignored = params.ignore;
    const classes = ignored ? [] : this.resolve(params.labels ?? []);
    const names = classes.map(c => this.labelSet.labels[c]);
    const accepted = !ignored && params.acceptedPrediction === true;
    this.commit({
      answerId: params.answerId,
      questionId: asked.question.id,
      row: asked.row,
      labels: names,
      ignored,
      acceptedPrediction: accepted,
      annotator,
      time: new Date().toISOString(),
      undone: false,
      modelVersion: asked.question.modelVersion
    });
    asked.status = 'answered';
    this.held.set(
      holder,
      (this.held.get(holder) ?? []).filter(q => q !== asked)
    );
    if (!ignored && asked.shown) {
      this.book.recordShown(asked.shown.certainty, asked.shown.classes, classes);
    }
    return { progress: this.progressAll(), duplicate: false };
  }

  /** Stores an answer (before it counts), then counts it and schedules the round it completes. */
  private commit(entry: ClassAnswer, question?: { queryId: ItemId }): void {
    this.host.store.answerRecorded(this.stored(entry, question));
    this.apply(entry);
    if (!entry.ignored) {
      this.schedule.recordAnswer(entry.answerId, entry.row);
    }
    this.book.drop(entry.row);
    this.maybeRound();
    this.host.progressChanged();
  }

  private apply(entry: ClassAnswer): void {
    this.answersById.set(entry.answerId, entry);
    this.allAnswers.push(entry);
    if (!entry.undone) {
      this.answerLog.push(entry);
    }
  }

  private stored(entry: ClassAnswer, question?: { queryId: ItemId }): StoredAnswer {
    return {
      sessionId: this.host.sessionId,
      answerId: entry.answerId,
      question: {
        questionId: entry.questionId,
        queryId: question?.queryId ?? this.host.item(entry.row).id,
        candidateIds: [],
        candidateExtras: [],
        modelVersion: entry.modelVersion,
        strategy: null
      },
      relevantIds: [],
      ignored: entry.ignored,
      annotator: entry.annotator,
      origin: 'label',
      answeredAt: entry.time,
      undone: false,
      labels: entry.labels,
      acceptedPrediction: entry.acceptedPrediction
    };
  }

  /** A stored answer of a restored dataset (before its pool is embedded). */
  restoreAnswer(stored: StoredAnswer): void {
    const row = this.host.rowOf(stored.question.queryId);
    if (row === undefined || stored.labels === undefined) {
      log(
        'warn',
        `session ${this.host.sessionId}: answer ${stored.answerId} is not a classification answer here; skipped`
      );
      return;
    }
    this.apply({
      answerId: stored.answerId,
      questionId: stored.question.questionId,
      row,
      labels: stored.labels,
      ignored: stored.ignored,
      acceptedPrediction: stored.acceptedPrediction ?? false,
      annotator: stored.annotator,
      time: stored.answeredAt,
      undone: stored.undone,
      modelVersion: stored.question.modelVersion
    });
  }

  /**
   * A question asked before a restart and never answered: open again so its answer is accepted, without
   * holding its item back (asking the item anew supersedes it).
   */
  restoreQuestion(stored: StoredQuestion): void {
    const row = this.host.rowOf(stored.queryId);
    if (row === undefined || stored.candidateIds.length > 0 || this.answerLog.some(a => a.row === row)) {
      return;
    }
    const question: Question = {
      id: stored.questionId,
      sessionId: this.host.sessionId,
      query: this.host.item(row),
      candidates: [],
      modelVersion: stored.modelVersion,
      ...(stored.strategy ? { strategy: stored.strategy } : {}),
      choices: [...this.labelSet.labels],
      prediction: null
    };
    const asked: AskedQuestion = { question, row, status: 'restored' };
    this.questions.set(question.id, asked);
    this.byRow.set(row, asked);
  }

  /** The restored pool is embedded: train once on the restored answers. */
  poolLoaded(): void {
    if (this.version === 0 && this.partition().trainable.length > 0) {
      this.schedule.requestNow();
      this.maybeRound();
    }
  }

  undo(holder: string): ResultOf<'undo'> {
    const entry = this.answerLog.pop();
    if (entry === undefined) {
      return { progress: this.progressAll(), undoneQuestionId: null };
    }
    this.host.store.answerUndone(this.host.sessionId, entry.answerId);
    entry.undone = true;
    this.schedule.recordUndo(entry.answerId);
    const asked = this.questions.get(entry.questionId);
    if (asked) {
      asked.status = 'undone';
    }
    this.release(holder);
    this.returned.unshift(entry.row);
    this.host.progressChanged();
    return { progress: this.progressAll(), undoneQuestionId: entry.questionId };
  }

  labels(): AnswerRecord[] {
    const excluded = new Set(this.partition().excluded.map(e => e.answer.answerId));
    return this.allAnswers.map(a => {
      const item = this.host.item(a.row);
      return {
        answerId: a.answerId,
        questionId: a.questionId,
        queryId: item.id,
        queryIndex: item.index,
        candidateIds: [],
        relevantIds: [],
        ignored: a.ignored,
        modelVersion: a.modelVersion,
        annotator: a.annotator,
        time: a.time,
        undone: a.undone,
        labels: a.labels,
        acceptedPrediction: a.acceptedPrediction,
        ...(excluded.has(a.answerId) ? { excluded: true } : {})
      };
    });
  }

  /** Current human labels by the current set: the latest answer per row, skips left out. */
  private partition() {
    const latest = new Map<number, ClassAnswer>();
    for (const a of this.answerLog) {
      if (!a.ignored) {
        latest.set(a.row, a);
      }
    }
    return partitionAnswers(
      this.labelSet,
      [...latest.values()].map(a => ({ answerId: a.answerId, row: a.row, labels: a.labels }))
    );
  }

  /** Class labels as encoder training pairs: each labelled row with a few same-class and other-class rows. */
  pairs(): PairLabel[] {
    const labelled = this.partition().trainable.filter(t => t.answer.row < this.host.matrix().size);
    const pairs: PairLabel[] = [];
    labelled.forEach((x, i) => {
      let same = 0;
      let other = 0;
      for (let step = 1; step < labelled.length && (same < PAIR_PARTNERS || other < PAIR_PARTNERS); step++) {
        const y = labelled[(i + step) % labelled.length];
        const shares = x.classIndices.some(c => y.classIndices.includes(c));
        if (shares ? same++ < PAIR_PARTNERS : other++ < PAIR_PARTNERS) {
          pairs.push({ query: x.answer.row, candidate: y.answer.row, relevant: shares });
        }
      }
    });
    return pairs;
  }

  // ---- rounds

  /** session/train: a round now, whatever the count. */
  trainNow(): void {
    this.schedule.requestNow();
    this.maybeRound();
  }

  private maybeRound(): void {
    if (this.schedule.every !== this.host.config.updateEvery) {
      this.schedule.setEvery(this.host.config.updateEvery); // session/configure changed it
    }
    if (this.schedule.due()) {
      void this.round();
    }
  }

  private async round(): Promise<void> {
    this.schedule.roundStarted();
    this.running = true;
    this.host.progressChanged();
    const started = performance.now();
    try {
      const trainable = this.partition().trainable;
      if (trainable.length > 0) {
        if (this.host.trainEncoder && this.pairs().length > 0) {
          this.loss = await this.host.trainEncoder();
        }
        this.rebuildHead(started);
      }
    } catch (err) {
      log('error', `session ${this.host.sessionId}: classification round failed: ${describeError(err)}`);
    } finally {
      this.schedule.roundFinished();
      this.running = false;
      this.waiters.settle();
      this.host.progressChanged();
    }
    this.maybeRound();
  }

  /** The head from the current labels over the live embeddings; a new version goes live. */
  private rebuildHead(started: number): void {
    const matrix = this.host.matrix();
    const trainable = this.partition().trainable.filter(t => t.answer.row < matrix.size);
    if (trainable.length === 0) {
      return;
    }
    const emb = new Float32Array(trainable.length * matrix.dim);
    trainable.forEach((t, i) => emb.set(matrix.row(t.answer.row), i * matrix.dim));
    this.head = centroidHead(
      emb,
      matrix.dim,
      trainable.map(t => ({ classes: t.classIndices })),
      {
        numClasses: this.labelSet.labels.length,
        multiLabel: this.labelSet.multiLabel,
        modelVersion: this.version + 1
      }
    );
    this.version++;
    const record: ModelVersionRecord = {
      version: this.version,
      loss: this.loss,
      answers: this.answerLog.length,
      time: new Date().toISOString(),
      trainMs: Math.round(performance.now() - started)
    };
    this.records.push(record);
    this.evaluateMachineLabels();
    this.waiters.settle();
    this.host.modelUpdated(record);
  }

  private evaluateMachineLabels(): void {
    if (!this.canPredict()) {
      return;
    }
    const humans = new Set(this.answerLog.map(a => a.row));
    const size = this.host.matrix().size;
    const rows = Array.from({ length: size }, (_, r) => r);
    const k = this.labelSet.labels.length;
    const probs = this.poolProbs();
    this.book.evaluate(
      this.version,
      rows,
      wanted => {
        const out = new Float32Array(wanted.length * k);
        wanted.forEach((r, i) => out.set(probs.subarray(r * k, (r + 1) * k), i * k));
        return out;
      },
      row => humans.has(row)
    );
  }

  /** Resolves true once the version reaches `version` (undefined: once no round runs or is owed). */
  wait(version: number | undefined, timeoutMs: number): Promise<boolean> {
    const done = version === undefined ? () => !this.running && !this.schedule.due() : () => this.version >= version;
    return this.waiters.wait(done, timeoutMs);
  }

  close(): void {
    this.waiters.closeAll();
  }

  // ---- the model

  /** model/export's classifierHead: the live head with its label names; undefined before the first round. */
  exportHead(): (ClassifierHeadExport & { labels: string[] }) | undefined {
    return this.head === null ? undefined : { ...this.head, labels: [...this.labelSet.labels] };
  }

  /** model/predict: class probabilities of rows embedded by the live encoder. */
  predict(embeddings: Float32Array): {
    probs: Float32Array;
    labels: string[];
    multiLabel: boolean;
    modelVersion: number;
  } {
    if (this.head === null) {
      throw invalidRequest(
        'the classifier has no labels to predict from yet: answer some questions (or call session/train) first',
        'model_not_ready'
      );
    }
    return {
      probs: probaFromHead(this.head, embeddings),
      labels: [...this.labelSet.labels],
      multiLabel: this.labelSet.multiLabel,
      modelVersion: this.version
    };
  }

  // ---- machine labels

  machineLabels(): ResultOf<'machineLabels'> {
    return { machineLabels: this.book.records(this.labelSet.labels, row => this.host.item(row)) };
  }

  confirmMachineLabel(index: number, answerId: string, annotator: string): ResultOf<'confirmMachineLabel'> {
    if (this.answersById.has(answerId)) {
      return { progress: this.progressAll(), duplicate: true };
    }
    const row = this.machineRow(index);
    const label = this.book.get(row);
    const classes = this.book.confirm(row);
    this.commitReview(answerId, row, classes, true, annotator, label?.modelVersion ?? this.version);
    return { progress: this.progressAll(), duplicate: false };
  }

  /** A human's answer given on a machine label (confirmed: the prediction; rejected: the right labels). */
  private commitReview(
    answerId: string,
    row: number,
    classes: readonly number[],
    acceptedPrediction: boolean,
    annotator: string,
    modelVersion: number
  ): void {
    this.commit({
      answerId,
      questionId: `machine-${answerId}`,
      row,
      labels: classes.map(c => this.labelSet.labels[c]),
      ignored: false,
      acceptedPrediction,
      annotator,
      time: new Date().toISOString(),
      undone: false,
      modelVersion
    });
  }

  rejectMachineLabel(
    index: number,
    answerId: string,
    labels: readonly string[] | undefined,
    annotator: string
  ): ResultOf<'rejectMachineLabel'> {
    if (this.answersById.has(answerId) || this.rejections.has(answerId)) {
      return { progress: this.progressAll(), duplicate: true };
    }
    const row = this.machineRow(index);
    if (labels === undefined) {
      this.rejections.add(answerId);
      this.book.drop(row, true);
      this.host.progressChanged();
      return { progress: this.progressAll(), duplicate: false };
    }
    const classes = this.resolve(labels);
    this.book.drop(row, true);
    this.commitReview(answerId, row, classes, false, annotator, this.version);
    return { progress: this.progressAll(), duplicate: false };
  }

  private machineRow(index: number): number {
    const row = this.host.rowOfIndex(index);
    if (row === undefined || !this.book.has(row)) {
      throw invalidParams(
        '/index',
        row === undefined
          ? `no item has index ${index} in this pool`
          : `item ${index} has no machine label (it was withdrawn, confirmed, rejected or answered)`
      );
    }
    return row;
  }

  // ---- the label list

  /** session/setLabels: answers using a removed label are kept, left out of training, reported in `messages`. */
  setLabels(labels: readonly string[]): { removed: string[]; added: string[]; messages: string[] } {
    const next = labelSetOrThrow(labels, this.labelSet.multiLabel);
    const diff = diffLabelSets(this.labelSet, next);
    const changed =
      diff.removed.length + diff.added.length > 0 || next.labels.some((l, i) => l !== this.labelSet.labels[i]);
    this.labelSet = next;
    this.host.config.labels = [...next.labels];
    if (changed) {
      this.book.reset(next.labels.length);
      // Versions go on; predictions return with the next round's head.
      this.head = null;
      this.picks = { version: -1, rows: [] };
      this.trainNow();
    }
    this.host.progressChanged();
    return { ...diff, messages: this.partition().messages };
  }

  private progressAll(): Progress {
    return this.host.progress();
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
