import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS } from '../../protocol/limits';
import type {
  AnswerRecord as AnswerRecordMessage,
  ItemId,
  ModelVersionRecord,
  ParamsOf,
  Progress,
  Question,
  QueryStrategy,
  ResultOf,
  SessionConfig,
  SessionInfo
} from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { decodePoolChunk } from '../data/poolChunk';
import { HashedNgramEmbedder } from '../embedding/hashedNgram';
import type { PairLabel } from '../engine/training';
import { SidecarError, badData, invalidParams, questionNotFound } from '../errors';
import { EmbeddingMatrix } from '../index/embeddingMatrix';
import { describeError, log } from '../log';
import { fromEngineError } from '../models/engineErrors';
import { backendDefaults } from '../training/backendDefaults';
import { featurize } from '../models/featurize';
import { ModelPlan, planModel, SENTENCE_TUNING_MAX_BATCH } from '../models/modelPlan';
import { exportArtifacts, MODEL_JSON, writeArtifacts } from '../models/modelArtifacts';
import { ModelWorker, RoundScan } from '../training/modelWorker';
import { TrainingLoop } from '../training/trainingLoop';
import { LabeledSimilarity, expectedEntropy, fitRelevanceModel } from './activeScoring';
import { ItemPool, idKey } from './itemPool';
import type { LabelStore, StoredAnswer, StoredChunk, StoredItem, StoredQuestion } from '../store/labelStore';
import { contentHashes, selectRows } from '../data/chunkItems';
import type { PoolChunk } from '../data/poolChunk';
import { ModelArchive } from './modelArchive';
import type { LabelRecord } from '../exchange/labelRecord';
import { PrefetchQueue } from './prefetchQueue';
import { NeighbourCache } from './neighbourCache';
import { BuiltQuestion, QuestionShape, buildQuestion, neighboursSuffice } from './questionBuilder';
import { QueryQueue } from './queryQueue';
import { ACTIVE_TUNING, Pick, QuerySelector } from './querySelector';
import type { Neighbour } from '../index/exactKnn';
import { EffectiveConfig, PREFETCH_DEPTH, withDefaults } from './sessionOptions';
import { Rng } from '../engine/training/random';
import { PoolEncoder } from '../encoder/poolEncoder';
import { DenseLayerExport, linearAdapterDense } from '../models/linearAdapterExport';
import {
  exportSentenceEncoderVersion,
  SentenceEncoderExport,
  SentenceEncoderSource,
  writeSentenceEncoderModel
} from '../models/sentenceEncoderExport';
import { EmbeddingCache, NO_EMBEDDING_CACHE } from '../store/embeddingCache';
import { loadWordPieceTokenizer, NamedTensor, WordPieceTokenizer } from '../engine/models/bert';
import { tokenRows } from '../engine/training/bertEmbedding';
import { normalizeRowsInPlace } from '../encoder/normalize';
import { ClassificationTask, checkTaskConfig } from './classification/classificationTask';

/** Who holds questions: one id per client connection. */
export type HolderId = string;

/** What a session reports to its manager. */
export interface SessionListener {
  progressChanged(session: LabelingSession): void;
  loadingFinished(session: LabelingSession): void;
  modelUpdated?(session: LabelingSession, record: ModelVersionRecord): void;
}

export interface SessionDeps {
  store: LabelStore;
  listener: SessionListener;
  root: AllowedRoot;
  /** A dataset restored from the store keeps its id (the session id clients hold) and creation time. */
  identity?: { id: string; createdAt: string };
  /** Its model versions; the model starts from the last saved one's weights. */
  restoredModel?: { records: ModelVersionRecord[]; savedVersionDir?: string };
  /** Pool embeddings of frozen sentence encoders, shared by sessions (none: embed everything). */
  embeddingCache?: EmbeddingCache;
  /** A model directory may lie outside the allowed and model roots (the creating client is a kernel). */
  anyModelPath?: boolean;
  /** Where sentence-encoder models are exported for kernels (`<data dir>/exports`); default: a temp dir. */
  exportDir?: string;
  /** The backend trainer workers run on, when known (a sentence encoder's default training mode depends on it). */
  trainingBackend?: string;
}

/** Chunks sent without `uploadId` (protocol 1.1 clients) belong to this upload. */
const DEFAULT_UPLOAD = 'default';
const NO_BYTES = new Uint8Array(0);

type QuestionStatus = 'open' | 'answered' | 'undone' | 'superseded';

interface QuestionRecord extends BuiltQuestion {
  status: QuestionStatus;
}

interface AnswerEntry {
  answerId: string;
  record: QuestionRecord;
  relevantRows: Set<number>;
  relevantIds: ItemId[];
  positive: number;
  negative: number;
  ignored: number;
  annotator: string;
  time: string;
  undone: boolean;
}

/** Questions need a query and at least one other item to compare it with. */
const MIN_ITEMS_FOR_QUESTIONS = 2;
/** Labeled pairs the relevance threshold is fitted on (the most recent answers). */
const MAX_THRESHOLD_ANSWERS = 500;

/**
 * One labeling session: its pool (items, embeddings), its model (fixed, or trained in a worker thread),
 * the questions handed out and the answers. Everything a client does to a session goes through here.
 */
export class LabelingSession {
  readonly id: string;
  readonly createdAt: string;
  readonly config: EffectiveConfig;
  /** Resolves once the model is ready (trainable models start a worker); rejects with a SidecarError. */
  readonly ready: Promise<void>;

  private readonly plan: ModelPlan;
  private readonly pool: ItemPool;
  private vectors: EmbeddingMatrix;
  private readonly queue = new QueryQueue();
  private readonly rng: Rng;
  private readonly selector: QuerySelector;
  private readonly prefetch: PrefetchQueue;
  private readonly cache = new NeighbourCache();
  private readonly fixedEmbedder?: HashedNgramEmbedder;
  /** Sentence-encoder sessions: the frozen encoder (cache + its own worker) whose embeddings the adapter trains on. */
  private readonly poolEncoder?: PoolEncoder;
  /** Top-layers / full sentence-encoder sessions: the pool rows the worker trains on are these token ids. */
  private readonly tokenizer?: WordPieceTokenizer;
  /** Pool items whose encoder embedding came from the embedding cache. */
  private cachedItems = 0;
  private worker?: ModelWorker;
  private loop?: TrainingLoop;
  /** Classification sessions: questions, answers and rounds are the task's (the pool and encoder stay here). */
  private readonly classification?: ClassificationTask;
  private loadChain: Promise<void> = Promise.resolve();
  /** Set while a round ranks rows in the worker (see roundScan). */
  private pendingScan?: Promise<void>;
  private scanFor?: { version: number; asked: Set<number> };

  /** The upload chunks arrive in: its id, the next chunk index, and items it announced but not yet sent. */
  private upload = { id: DEFAULT_UPLOAD, next: 0, remaining: 0 };
  private chunkSeq = 0;
  /** Content hashes of the pool's items: re-added data is not added twice. */
  private readonly hashes = new Set<string>();
  /** Rows of restored answers whose queue state is set once the rows are embedded (the queue grows then). */
  private readonly answeredPending = new Set<number>();
  /** Storing asked questions failed last time (logged once per failure spell). */
  private questionStoreFailing = false;
  private archive?: ModelArchive;
  /** The saved version's weights could not be loaded: the worker starts from the base model instead. */
  private savedWeightsLost = false;
  private loading = true;
  private finished = false;
  private closed = false;

  private readonly questions = new Map<string, QuestionRecord>();
  private readonly questionByRow = new Map<number, QuestionRecord>();
  /** Open questions each connection holds, oldest first, so `question/next` is idempotent. */
  private readonly held = new Map<HolderId, QuestionRecord[]>();
  private readonly askedRows: number[] = [];
  /** Why rows of dropped prepared questions were picked (they are asked from the handed-back list). */
  private readonly droppedStrategy = new Map<number, QueryStrategy>();

  private readonly answersById = new Map<string, AnswerEntry>();
  /** Every answer in order, undone ones included. */
  private readonly allAnswers: AnswerEntry[] = [];
  /** Answers not undone, oldest first; undo pops from the end. */
  private readonly answerLog: AnswerEntry[] = [];
  private readonly counts = { done: 0, positive: 0, negative: 0, ignored: 0 };

  constructor(
    config: SessionConfig,
    private readonly deps: SessionDeps
  ) {
    this.id = deps.identity?.id ?? randomUUID();
    this.createdAt = deps.identity?.createdAt ?? new Date().toISOString();
    const labelSet = checkTaskConfig(config);
    this.config = withDefaults(config);
    // A stored dataset's model directory was checked when the dataset was created.
    this.plan = planModel(this.config, deps.root, {
      anyModelPath: deps.anyModelPath || deps.identity !== undefined,
      // The backend this session asks for decides the default training mode (full on a GPU backend).
      backend: deps.trainingBackend ?? backendDefaults.resolve(this.config.backend)
    });
    if (this.plan.kind === 'trainable' && this.plan.transform.type === 'sentence-encoder') {
      if (this.plan.transform.trainingMode !== 'adapter') {
        this.tokenizer = loadWordPieceTokenizer(this.plan.transform.modelDir);
      }
      this.poolEncoder = new PoolEncoder(
        this.plan.transform.modelDir,
        this.plan.transform.dim,
        deps.embeddingCache ?? NO_EMBEDDING_CACHE,
        this.config.backend
      );
    }
    this.pool = new ItemPool(this.config.contentType === 'image' ? this.config.inputShape : undefined);
    this.rng = new Rng(this.config.seed ?? 1);
    this.selector = new QuerySelector({
      queue: this.queue,
      matrix: () => this.vectors,
      modelVersion: () => this.modelVersion,
      order: () => ({
        queryOrder: this.config.queryOrder,
        randomShare: this.config.randomShare,
        topK: this.config.topK,
        neighbourCount: this.config.topK + this.config.hardNegatives
      }),
      labeledSimilarities: () => this.labeledSimilarities(),
      askedRows: () => this.askedRows,
      answerCount: () => this.counts.done,
      random: () => this.rng.next(),
      closed: () => this.closed,
      leftover: (row, modelVersion, neighbours) => this.cache.put({ row, modelVersion, neighbours }, true),
      cachedSample: () => {
        const entries = this.cache.currentLeftovers(this.modelVersion, row => this.queue.isFresh(row));
        return { rows: entries.map(e => e.row), neighbours: entries.map(e => e.neighbours) };
      }
    });
    this.prefetch = new PrefetchQueue(
      {
        canAsk: () => this.canAsk(),
        modelVersion: () => this.modelVersion,
        pickBatch: count => this.selector.pickBatch(count),
        rescan: rows => this.neighboursNow(rows),
        build: pick => this.build(pick),
        giveBack: row => this.queue.putBack(row),
        stale: () => this.staleReturned(),
        cached: (rows, neighbours) =>
          rows.forEach((row, i) => this.cache.put({ row, modelVersion: this.modelVersion, neighbours: neighbours[i] }))
      },
      PREFETCH_DEPTH
    );
    if (labelSet !== undefined) {
      this.classification = this.classificationTask(labelSet);
    }
    if (this.plan.kind === 'fixed-text') {
      this.fixedEmbedder = new HashedNgramEmbedder();
      this.vectors = new EmbeddingMatrix(this.fixedEmbedder.dim);
      this.ready = Promise.resolve();
    } else {
      this.vectors = new EmbeddingMatrix(1, 0);
      this.ready = this.startWorker(this.plan);
      // Failures surface through `ready` to whoever awaits it (session/create); never unhandled.
      this.ready.catch(() => undefined);
    }
  }

  get isLoading(): boolean {
    return this.loading;
  }

  get modelVersion(): number {
    return this.classification?.modelVersion ?? this.loop?.modelVersion ?? 0;
  }

  /** The classification task, or InvalidParams for a similarity session (classification-only methods). */
  classifier(): ClassificationTask {
    if (this.classification === undefined) {
      throw invalidParams(
        '/sessionId',
        `session '${this.config.name}' is a ${this.config.task} session, not classification`
      );
    }
    return this.classification;
  }

  get isClassification(): boolean {
    return this.classification !== undefined;
  }

  /** session/setLabels: the new list is stored with the session's config. */
  setLabels(labels: readonly string[]): ResultOf<'setLabels'> {
    const result = this.classifier().setLabels(labels);
    this.deps.store.updateConfig(this.id, this.config);
    return { ...result, info: this.info() };
  }

  /** model/predict: class probabilities of items, embedded with the live encoder. */
  async predict(payload: Uint8Array): Promise<ResultOf<'predict'> & { probs: Float32Array }> {
    const task = this.classifier();
    const { vectors, rows } = await this.embed(payload);
    const { probs, ...result } = task.predict(vectors);
    return { ...result, rows, probs };
  }

  progress(): Progress {
    return {
      ...this.counts,
      modelVersion: this.modelVersion,
      itemCount: this.pool.size + (this.loading ? this.upload.remaining : 0),
      loadedItems: this.vectors.size,
      saved: this.counts.done,
      roundDone: this.counts.done % this.config.questionsPerRound,
      round: Math.floor(this.counts.done / this.config.questionsPerRound) + 1,
      lastLoss: this.loop?.lastLoss ?? null,
      training: this.loop?.training ?? false,
      ...(this.worker ? this.worker.backendProgress() : {}),
      ...(this.poolEncoder ? { embedding: this.vectors.size < this.pool.size, cachedItems: this.cachedItems } : {}),
      ...this.classification?.progress(),
      finished: this.finished
    };
  }

  info(): SessionInfo {
    return {
      ...this.config,
      id: this.id,
      createdAt: this.createdAt,
      loading: this.loading,
      progress: this.progress(),
      ...(this.deps.identity ? { resumed: true } : {})
    };
  }

  /**
   * Appends one chunk of the pool. Chunks arrive in order within an upload; a resent chunk already
   * appended is acknowledged without being appended twice, and so is every item already in the pool (same
   * id and content), so data can be re-added to a resumed dataset. The chunk is stored before it counts.
   * Trainable models embed it in their worker: await `settled()` for that.
   */
  appendItems(params: Omit<ParamsOf<'appendItems'>, 'sessionId'>): ResultOf<'appendItems'> {
    const uploadId = params.uploadId ?? DEFAULT_UPLOAD;
    const sameUpload = uploadId === this.upload.id;
    if (sameUpload && params.chunkIndex < this.upload.next) {
      return this.loadState();
    }
    if (!sameUpload && params.chunkIndex !== 0) {
      throw invalidParams('/chunkIndex', `upload '${uploadId}' must start with chunk 0, got ${params.chunkIndex}`);
    }
    if (sameUpload && !this.loading) {
      throw invalidParams('/chunkIndex', `the pool is complete: chunk ${this.upload.next - 1} was flagged isLast`);
    }
    if (sameUpload && params.chunkIndex > this.upload.next) {
      throw invalidParams('/chunkIndex', `expected chunk ${this.upload.next}, got ${params.chunkIndex}`);
    }
    const decoded = decodePoolChunk(params.payload, this.config, LIMITS.maxItemsPerChunk);
    const { fresh, items } = this.newItems(decoded);
    const chunk: StoredChunk = {
      datasetId: this.id,
      seq: this.chunkSeq,
      uploadId,
      chunkIndex: params.chunkIndex,
      totalItems: params.totalItems,
      isLast: params.isLast,
      payload: items.length > 0 ? params.payload : NO_BYTES
    };
    this.deps.store.chunkAppended(chunk, items);
    this.applyChunk(chunk, decoded.items.length, fresh, items);
    return this.loadState();
  }

  /**
   * Rebuilds a stored dataset: its chunks through the same decoding and de-duplication (so rows come out
   * the same), then its answers, then the questions that were open when the sidecar stopped. Nothing is
   * written back.
   */
  restore(
    chunks: readonly StoredChunk[],
    answers: readonly StoredAnswer[],
    openQuestions: readonly StoredQuestion[] = []
  ): void {
    for (const chunk of chunks) {
      const decoded =
        chunk.payload.length > 0
          ? decodePoolChunk(chunk.payload, this.config, LIMITS.maxItemsPerChunk)
          : { items: [] as PoolChunk['items'] };
      const { fresh, items } = this.newItems(decoded);
      this.applyChunk(chunk, decoded.items.length, fresh, items);
    }
    if (this.classification) {
      answers.forEach(stored => this.classification?.restoreAnswer(stored));
      openQuestions.forEach(stored => this.classification?.restoreQuestion(stored));
      if (!this.loading && this.vectors.size === this.pool.size) {
        this.classification.poolLoaded(); // a fixed featurizer embedded the pool above, synchronously
      }
      return;
    }
    for (const stored of answers) {
      this.restoreAnswer(stored);
    }
    for (const stored of openQuestions) {
      this.restoreOpenQuestion(stored);
    }
    const trainedOn = this.deps.restoredModel?.records.at(-1)?.answers ?? 0;
    const behind = trainedOn !== this.counts.done;
    if (this.counts.done > 0) {
      // Answers came after the last saved version (a crash mid-round), or that version's weights could not
      // be loaded (known once the worker is up): train on every answer once the pool is in.
      this.loadChain = this.loadChain
        .then(() => this.ready)
        .then(() => {
          if (behind || this.savedWeightsLost) {
            this.loop?.trainNow();
          }
        })
        .catch(() => undefined);
    }
  }

  /** The chunk's items not in the pool yet; an id already there with other content is refused. */
  private newItems(chunk: PoolChunk): { fresh: PoolChunk; items: StoredItem[] } {
    const hashes = contentHashes(chunk);
    const seen = new Set<string>();
    const positions: number[] = [];
    hashes.forEach((hash, position) => {
      if (!this.hashes.has(hash) && !seen.has(hash)) {
        seen.add(hash);
        positions.push(position);
      }
    });
    const fresh = selectRows(chunk, positions);
    for (const item of fresh.items) {
      if (this.pool.rowOf(item.id) !== undefined) {
        throw badData(
          `row ${item.index}: id ${JSON.stringify(item.id)} is already in dataset '${this.config.name}' with other content; ` +
            'keep ids stable when re-adding data, or pass another name',
          item.index
        );
      }
    }
    this.pool.checkNewIds(fresh.items);
    const items = fresh.items.map((item, i) => ({
      row: this.pool.size + i,
      id: item.id,
      index: item.index,
      contentHash: hashes[positions[i]]
    }));
    return { fresh, items };
  }

  /** Makes a (stored) chunk's new items part of the pool and starts embedding them. */
  private applyChunk(chunk: StoredChunk, decodedRows: number, fresh: PoolChunk, items: readonly StoredItem[]): void {
    const features =
      this.fixedEmbedder || this.poolEncoder || fresh.items.length === 0
        ? undefined
        : featurize(fresh, this.transform());
    if (chunk.uploadId !== this.upload.id || chunk.chunkIndex === 0) {
      this.upload = { id: chunk.uploadId, next: 0, remaining: chunk.totalItems };
      this.loading = true;
    }
    this.pool.add(fresh);
    items.forEach(item => this.hashes.add(item.contentHash));
    this.upload.next = chunk.chunkIndex + 1;
    this.upload.remaining = Math.max(0, this.upload.remaining - decodedRows);
    this.chunkSeq = chunk.seq + 1;
    if (chunk.isLast) {
      this.loading = false;
    }
    const rows = fresh.items.length;
    const isLast = chunk.isLast;
    if (this.fixedEmbedder) {
      this.embedded(this.fixedEmbedder.embed(fresh.texts ?? []), rows, isLast);
    } else {
      this.loadChain = this.loadChain
        .then(() => this.ready)
        .then(() => {
          if (this.poolEncoder && rows > 0) {
            return this.encodeChunk(this.poolEncoder, fresh.texts ?? [], isLast);
          }
          return features === undefined
            ? this.embedded(new Float32Array(0), 0, isLast)
            : (this.worker as ModelWorker).appendPool(features, v => this.embedded(v, rows, isLast));
        })
        .catch(err => {
          if (!this.closed) {
            log('error', `session ${this.id}: embedding a chunk failed: ${describeError(err)}`);
          }
        });
    }
  }

  /**
   * A sentence-encoder chunk: the frozen encoder's embeddings (cached, or from its processes) slice by slice,
   * each slice through the adapter in the trainer worker and into the index as soon as it is ready, so
   * questions flow while the pool embeds. The encoder processes end once the last chunk is in.
   */
  private async encodeChunk(encoder: PoolEncoder, texts: string[], isLast: boolean): Promise<void> {
    let at = 0;
    await encoder.embed(texts, async (vectors, lastSlice, fromCache) => {
      if (this.closed) {
        throw new Error('session closed');
      }
      this.cachedItems += fromCache;
      const rows = vectors.length / encoder.dim;
      const worker = this.worker as ModelWorker;
      const done = (v: Float32Array) => this.embedded(v, rows, isLast && lastSlice);
      if (this.tokenizer) {
        // The encoder itself trains: the worker holds token rows, and the frozen embeddings are version 0's.
        const tokens = tokenRows(this.tokenizer, texts.slice(at, at + rows));
        await worker.appendPoolEmbedded(tokens, normalizeRowsInPlace(vectors, encoder.dim), done);
      } else {
        await worker.appendPool(vectors, done);
      }
      at += rows;
    });
    if (isLast) {
      encoder.release();
    }
  }

  /** Resolves once every appended chunk is embedded. */
  async settled(): Promise<void> {
    await this.loadChain;
  }

  /**
   * What `session/appendItems` waits for before acknowledging a chunk: its embedding, except with a sentence
   * encoder, whose embedding takes long; its chunks are acknowledged once stored and queued, and
   * `Progress.embedding` / `loadedItems` tell how far the encoder is.
   */
  async chunkAcknowledged(): Promise<void> {
    if (this.poolEncoder === undefined) {
      await this.settled();
    }
  }

  loadState(): ResultOf<'appendItems'> {
    return { loadedItems: this.vectors.size, loading: this.loading };
  }

  /** Resolves once prepared questions are topped up (or nothing more can be asked). For tests and benchmarks. */
  async prefetched(): Promise<void> {
    this.prefetch.fill();
    while (
      this.prefetch.size < this.prefetch.target &&
      this.canAsk() &&
      this.queue.sampleFresh(1, this.vectors.size, Math.random).length > 0
    ) {
      await new Promise<void>(resolve => setTimeout(resolve, 2));
    }
  }

  /**
   * The oldest question this connection holds, else a new one; null when none is left. Synchronous, for
   * in-process callers (specs, benchmarks): when nothing is prepared it may scan the pool itself. The
   * socket handlers use `serveQuestion`, which never does.
   */
  nextQuestion(holder: HolderId): Question | null {
    if (this.classification) {
      return this.classification.next(holder, 1)[0] ?? null;
    }
    const held = this.openHeld(holder);
    if (held.length > 0) {
      return held[0].question;
    }
    return this.assign(holder, true)?.question ?? null;
  }

  /** Up to `count` questions for this connection: those it holds first, then new ones (may scan, see nextQuestion). */
  nextQuestions(holder: HolderId, count: number): Question[] {
    if (this.classification) {
      return this.classification.next(holder, count);
    }
    const held = this.openHeld(holder);
    while (held.length < count) {
      const record = this.assign(holder, true);
      if (record === undefined) {
        break;
      }
      held.push(record);
    }
    return held.slice(0, count).map(record => record.question);
  }

  /**
   * `question/next` and `question/nextBatch`: like `nextQuestions`, but served from memory only — prepared
   * questions, handed-back queries and scanned leftovers. When none is there (the pool just finished
   * loading), it waits for the background refill (time-sliced, the event loop keeps running).
   */
  async serveQuestions(holder: HolderId, count: number): Promise<Question[]> {
    if (this.classification) {
      return this.classification.next(holder, count);
    }
    const held = this.openHeld(holder);
    for (let waits = 0; held.length < count;) {
      const record = this.assign(holder, false);
      if (record !== undefined) {
        held.push(record);
        continue;
      }
      if (!this.canAsk() || waits >= 3) {
        break;
      }
      waits++;
      this.prefetch.fill();
      await this.prefetch.available();
      this.openHeld(holder).forEach(r => held.includes(r) || held.push(r));
    }
    return held.slice(0, count).map(record => record.question);
  }

  /**
   * Records an answer. A resent `answerId` changes nothing and reports `duplicate: true`; the answer is
   * stored before the counts change. It counts toward the next training round.
   */
  /**
   * Records an answer. `annotator` is the name stored with it: the user the connection authenticated
   * as (the Jupyter user for browsers); it defaults to the holder for in-process callers.
   */
  answer(
    holder: HolderId,
    params: Omit<ParamsOf<'answer'>, 'sessionId'>,
    annotator: string = holder
  ): ResultOf<'answer'> {
    if (this.classification) {
      return this.classification.answer(holder, params, annotator);
    }
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
    const relevant = params.ignore ? [] : distinctRelevant(params.relevant, candidateIds);
    const time = new Date().toISOString();
    this.deps.store.answerRecorded({
      sessionId: this.id,
      answerId: params.answerId,
      question: storedQuestion(record.question),
      relevantIds: relevant,
      ignored: params.ignore,
      annotator,
      origin: 'label',
      answeredAt: time,
      undone: false
    });
    const relevantKeys = new Set(relevant.map(idKey));
    const entry: AnswerEntry = {
      answerId: params.answerId,
      record,
      relevantIds: relevant,
      relevantRows: new Set(record.candidateRows.filter((_, i) => relevantKeys.has(idKey(candidateIds[i])))),
      positive: params.ignore ? 0 : relevant.length,
      negative: params.ignore ? 0 : candidateIds.length - relevant.length,
      ignored: params.ignore ? 1 : 0,
      annotator,
      time,
      undone: false
    };
    this.answersById.set(entry.answerId, entry);
    this.allAnswers.push(entry);
    this.answerLog.push(entry);
    this.applyCounts(entry, 1);
    record.status = 'answered';
    this.markAnswered(record.queryRow);
    for (const [holderId, list] of this.held) {
      this.held.set(
        holderId,
        list.filter(r => r !== record)
      );
    }
    if (this.config.keepSameQuestion) {
      // Finetuner's "keep same question": the same query comes back, ranked by the newer model.
      this.queue.giveBack(record.queryRow);
    }
    if (!params.ignore) {
      this.loop?.answered();
    }
    this.prefetch.fill();
    this.deps.listener.progressChanged(this);
    return { progress: this.progress(), duplicate: false };
  }

  /** Re-links a stored answer to the pool's rows and counts it (a restored dataset). */
  private restoreAnswer(stored: StoredAnswer): void {
    const record = this.storedRecord(stored.question, stored.undone ? 'undone' : 'answered');
    if (record === undefined) {
      log('warn', `session ${this.id}: answer ${stored.answerId} refers to items not in the pool; skipped`);
      return;
    }
    const q = stored.question;
    const { question, queryRow, candidateRows: rows } = record;
    const relevantKeys = new Set(stored.relevantIds.map(idKey));
    const entry: AnswerEntry = {
      answerId: stored.answerId,
      record,
      relevantIds: stored.relevantIds,
      relevantRows: new Set(rows.filter((_, i) => relevantKeys.has(idKey(q.candidateIds[i])))),
      positive: stored.ignored ? 0 : stored.relevantIds.length,
      negative: stored.ignored ? 0 : rows.length - stored.relevantIds.length,
      ignored: stored.ignored ? 1 : 0,
      annotator: stored.annotator,
      time: stored.answeredAt,
      undone: stored.undone
    };
    this.questions.set(question.id, record);
    this.answersById.set(entry.answerId, entry);
    this.allAnswers.push(entry);
    if (!entry.undone) {
      this.questionByRow.set(queryRow, record);
      this.answerLog.push(entry);
      this.applyCounts(entry, 1);
      this.markAnswered(queryRow);
    }
  }

  /**
   * Stores a question as it is handed out, so its answer is accepted after a restart. Best effort: while
   * the store cannot write, questions are still handed out and their answers wait in the browser's outbox
   * (answers themselves are never acknowledged unstored).
   */
  private storeAsked(question: Question): void {
    try {
      this.deps.store.questionAsked(this.id, storedQuestion(question));
      this.questionStoreFailing = false;
    } catch (err) {
      if (!this.questionStoreFailing) {
        log('warn', `session ${this.id}: questions are not being stored (${describeError(err)})`);
      }
      this.questionStoreFailing = true;
    }
  }

  /** Takes an answered query out of the queue, or out of the part of the pool not embedded yet. */
  private markAnswered(row: number): void {
    if (row < this.queue.size) {
      this.queue.markAnswered(row);
    } else {
      this.answeredPending.add(row);
    }
  }

  /**
   * A question that was handed out but not answered when the sidecar stopped: open again, as after a
   * reconnection, so the annotator can still answer it (their browser resends it, or they answer what
   * the panel shows). Its query stays in the pool; asking it anew supersedes this one. A question whose
   * query has been answered since is not restored: its answer must not count the query twice.
   */
  private restoreOpenQuestion(stored: StoredQuestion): void {
    const record = this.storedRecord(stored, 'open');
    if (record === undefined || this.questionByRow.get(record.queryRow)?.status === 'answered') {
      return;
    }
    const previous = this.questionByRow.get(record.queryRow);
    if (previous !== undefined && previous.status === 'open') {
      previous.status = 'superseded';
    }
    this.questions.set(stored.questionId, record);
    this.questionByRow.set(record.queryRow, record);
  }

  /** A stored question linked to the pool's rows, undefined if an item of it is not in the pool. */
  private storedRecord(q: StoredQuestion, status: QuestionStatus): QuestionRecord | undefined {
    const queryRow = this.pool.rowOf(q.queryId);
    const candidateRows = q.candidateIds.map(id => this.pool.rowOf(id));
    if (queryRow === undefined || candidateRows.some(row => row === undefined)) {
      return undefined;
    }
    const rows = candidateRows as number[];
    const question: Question = {
      id: q.questionId,
      sessionId: this.id,
      query: this.pool.ref(queryRow),
      candidates: rows.map((row, i) => {
        const extra = q.candidateExtras[i];
        return { ...this.pool.ref(row), score: 0, ...(extra ? { extra } : {}) };
      }),
      modelVersion: q.modelVersion,
      ...(q.strategy ? { strategy: q.strategy } : {})
    };
    return { question, queryRow, candidateRows: rows, neighbours: [], status };
  }

  /**
   * Adds answers read from a label file (`labels/import`), committed in one transaction, then trains on
   * them. Answer ids already stored are skipped; an id not in the pool or a relevant id that is not a
   * candidate refuses the whole file, naming the answer.
   */
  importAnswers(records: readonly LabelRecord[]): { imported: number; duplicates: number } {
    const fresh: StoredAnswer[] = [];
    const ids = new Set<string>();
    for (const record of records) {
      if (this.answersById.has(record.answerId) || ids.has(record.answerId)) {
        continue;
      }
      ids.add(record.answerId);
      for (const id of [record.queryId, ...record.candidateIds]) {
        if (this.pool.rowOf(id) === undefined) {
          throw badData(
            `answer '${record.answerId}': item ${JSON.stringify(id)} is not in dataset '${this.config.name}'`
          );
        }
      }
      const candidates = new Set(record.candidateIds.map(idKey));
      const stray = record.relevantIds.find(id => !candidates.has(idKey(id)));
      if (stray !== undefined) {
        throw badData(`answer '${record.answerId}': relevant id ${JSON.stringify(stray)} is not one of its candidates`);
      }
      fresh.push({
        sessionId: this.id,
        answerId: record.answerId,
        question: {
          questionId: `import-${record.answerId}`,
          queryId: record.queryId,
          candidateIds: record.candidateIds,
          candidateExtras: record.candidateIds.map(() => null),
          modelVersion: record.modelVersion,
          strategy: null
        },
        relevantIds: record.ignored ? [] : record.relevantIds,
        ignored: record.ignored,
        annotator: record.annotator,
        origin: 'import',
        answeredAt: record.time,
        undone: false
      });
    }
    this.deps.store.answersRecorded(fresh);
    fresh.forEach(answer => this.restoreAnswer(answer));
    if (fresh.some(answer => !answer.ignored)) {
      this.loop?.trainNow();
    }
    this.prefetch.fill();
    this.deps.listener.progressChanged(this);
    return { imported: fresh.length, duplicates: records.length - fresh.length };
  }

  /** Answers not undone, as label files carry them. */
  labelRecords(): LabelRecord[] {
    return this.answerLog.map(entry => ({
      answerId: entry.answerId,
      queryId: entry.record.question.query.id,
      candidateIds: entry.record.question.candidates.map(c => c.id),
      relevantIds: entry.relevantIds,
      ignored: entry.ignored === 1,
      annotator: entry.annotator,
      time: entry.time,
      modelVersion: entry.record.question.modelVersion
    }));
  }

  /** An item's text by id, for label files that carry content. */
  itemText(id: ItemId): string | undefined {
    const row = this.pool.rowOf(id);
    return row === undefined ? undefined : this.pool.ref(row).text;
  }

  /**
   * Reverts the most recent answer not undone yet; its query is asked next. The caller's unanswered
   * questions are handed back too, so its next `question/next` brings the undone query first.
   */
  undo(holder: HolderId): ResultOf<'undo'> {
    if (this.classification) {
      return this.classification.undo(holder);
    }
    const entry = this.answerLog.pop();
    if (entry === undefined) {
      return { progress: this.progress(), undoneQuestionId: null };
    }
    this.deps.store.answerUndone(this.id, entry.answerId);
    entry.undone = true;
    this.applyCounts(entry, -1);
    entry.record.status = 'undone';
    this.release(holder);
    this.queue.giveBack(entry.record.queryRow);
    if (entry.ignored === 0) {
      this.loop?.undone();
    }
    this.deps.listener.progressChanged(this);
    return { progress: this.progress(), undoneQuestionId: entry.record.question.id };
  }

  /** Hands back the questions a connection holds (it closed, or undid); their queries return to the pool. */
  release(holder: HolderId): void {
    this.classification?.release(holder);
    const records = this.held.get(holder) ?? [];
    this.held.delete(holder);
    for (const record of [...records].reverse()) {
      if (record.status === 'open') {
        this.queue.giveBack(record.queryRow);
      }
    }
  }

  /**
   * Changes options live; the prepared questions are rebuilt when they depend on what changed.
   * `startQuestion` (an item's index in the user's data) makes that item `holder`'s next query.
   */
  async configure(params: Omit<ParamsOf<'configure'>, 'sessionId'>, holder: HolderId = 'local'): Promise<SessionInfo> {
    const { startQuestion, ...options } = params;
    const startRow = startQuestion === undefined ? undefined : this.startRow(startQuestion, holder);
    const before = { ...this.config };
    Object.assign(this.config, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));
    if (this.worker && (before.loss !== this.config.loss || before.margin !== this.config.margin)) {
      await this.worker.setLoss({ loss: this.config.loss, margin: this.config.margin });
    }
    const shapeKeys = ['topK', 'queryOrder', 'hardNegatives', 'randomNegatives', 'randomShare'] as const;
    if (
      shapeKeys.some(key => before[key] !== this.config[key]) ||
      (startRow !== undefined && this.prefetch.rows().includes(startRow))
    ) {
      this.dropPrepared();
    }
    this.deps.store.updateConfig(this.id, this.config);
    if (startRow !== undefined) {
      // The caller's open questions go back to the pool; the start item is asked first.
      this.release(holder);
      this.queue.giveBack(startRow);
      this.classification?.askFirst(startRow);
      this.prefetch.fill();
    }
    this.deps.listener.progressChanged(this);
    return this.info();
  }

  /** The pool row of the item at `index` in the user's data, if it may be asked now. */
  private startRow(index: number, holder: HolderId): number {
    const row = this.pool.rowOfIndex(index);
    if (row === undefined || row >= this.vectors.size) {
      throw invalidParams(
        '/startQuestion',
        row === undefined
          ? `no item has index ${index} in this pool (${this.pool.size} items)`
          : `item ${index} is not embedded yet (${this.vectors.size} of ${this.pool.size} items loaded)`
      );
    }
    const asked = this.questionByRow.get(row);
    const heldElsewhere = [...this.held].some(
      ([other, list]) => other !== holder && list.includes(asked as QuestionRecord)
    );
    if (asked !== undefined && asked.status === 'open' && heldElsewhere) {
      throw invalidParams('/startQuestion', `item ${index} is being asked to another connection right now`);
    }
    return row;
  }

  /** Resolves when the model reaches `version` (see TrainingLoop.wait); false after `timeoutMs`. */
  async waitForModel(version: number | undefined, timeoutMs: number): Promise<ResultOf<'waitForModel'>> {
    await this.ready;
    if (this.classification) {
      const reached = await this.classification.wait(version, timeoutMs);
      return { progress: this.progress(), reached };
    }
    const reached = this.loop ? await this.loop.wait(version, timeoutMs) : version === undefined || version <= 0;
    return { progress: this.progress(), reached };
  }

  history(): ModelVersionRecord[] {
    const initial: ModelVersionRecord = { version: 0, loss: null, answers: 0, time: this.createdAt, trainMs: 0 };
    return [initial, ...(this.classification?.history() ?? this.loop?.history() ?? [])];
  }

  labels(): AnswerRecordMessage[] {
    if (this.classification) {
      return this.classification.labels();
    }
    return this.allAnswers.map(entry => ({
      answerId: entry.answerId,
      questionId: entry.record.question.id,
      queryId: entry.record.question.query.id,
      queryIndex: entry.record.question.query.index,
      candidateIds: entry.record.question.candidates.map(c => c.id),
      relevantIds: entry.relevantIds,
      ignored: entry.ignored === 1,
      modelVersion: entry.record.question.modelVersion,
      annotator: entry.annotator,
      time: entry.time,
      undone: entry.undone
    }));
  }

  /** Current labels as pool-row pairs: one (query, candidate, relevant) per candidate of each counted answer. */
  pairs(): PairLabel[] {
    if (this.classification) {
      return this.classification.pairs();
    }
    const pairs: PairLabel[] = [];
    for (const entry of this.answerLog) {
      if (entry.ignored === 0) {
        for (const candidate of entry.record.candidateRows) {
          pairs.push({ query: entry.record.queryRow, candidate, relevant: entry.relevantRows.has(candidate) });
        }
      }
    }
    return pairs;
  }

  finish(): Progress {
    this.finished = true;
    this.deps.listener.progressChanged(this);
    return this.progress();
  }

  /** Embeds `model/embed` items with the live model: row-major float32. */
  async embed(
    payload: Uint8Array
  ): Promise<{ modelVersion: number; rows: number; dim: number; vectors: Float32Array }> {
    await this.ready;
    const chunk = decodePoolChunk(payload, this.config, LIMITS.maxItemsPerChunk);
    const modelVersion = this.modelVersion;
    let vectors: Float32Array;
    if (this.fixedEmbedder) {
      vectors = this.fixedEmbedder.embed(chunk.texts ?? []);
    } else {
      try {
        vectors = await (this.worker as ModelWorker).embed(await this.modelInputs(chunk));
      } catch (err) {
        throw fromEngineError(err);
      }
    }
    return { modelVersion, rows: chunk.items.length, dim: this.vectors.dim, vectors };
  }

  /** Rows the trainer worker's model takes for `chunk`: featurized, or the frozen encoder's embeddings. */
  private async modelInputs(chunk: PoolChunk): Promise<Float32Array> {
    const encoder = this.poolEncoder;
    if (encoder === undefined) {
      return featurize(chunk, this.transform());
    }
    const texts = chunk.texts ?? [];
    if (this.tokenizer) {
      return tokenRows(this.tokenizer, texts);
    }
    const out = new Float32Array(texts.length * encoder.dim);
    let at = 0;
    await encoder.embed(texts, async vectors => {
      out.set(vectors, at);
      at += vectors.length;
    });
    if (!this.loading) {
      encoder.release(); // deferred while the pool's last chunks still embed
    }
    return out;
  }

  /**
   * A sentence-encoder session's adapter as a sentence-transformers Dense layer (weight [out, in]), from
   * the trainer worker's live weights: what a sentence-transformers export appends after the encoder.
   */
  async adapterDense(): Promise<DenseLayerExport> {
    await this.ready;
    if (this.poolEncoder === undefined || this.worker === undefined) {
      throw invalidParams('/sessionId', `model '${this.config.model}' has no linear adapter`);
    }
    return linearAdapterDense(await this.worker.weights());
  }

  /**
   * A sentence-encoder session's live model as a sentence-transformers directory: written at `directory`
   * (model/save), or else into the sidecar's export directory, once per version (model/export).
   */
  async exportSentenceEncoder(directory?: string): Promise<SentenceEncoderExport> {
    await this.ready;
    if (this.plan.kind !== 'trainable' || this.plan.transform.type !== 'sentence-encoder' || !this.worker) {
      throw invalidParams('/sessionId', `model '${this.config.model}' is not a sentence encoder`);
    }
    const base = { modelDir: this.plan.transform.modelDir, dataset: this.config.name };
    let source: SentenceEncoderSource;
    if (this.tokenizer) {
      source = { ...base, ...(await this.tunedEncoder()) };
    } else {
      const weights = await this.worker.weights();
      // Read after the weights: a round queued before them in the worker may have made a newer version live.
      source = { ...base, weights, modelVersion: this.modelVersion };
    }
    try {
      return directory !== undefined
        ? writeSentenceEncoderModel(directory, source)
        : exportSentenceEncoderVersion(this.deps.exportDir ?? join(tmpdir(), 'tunelab-exports'), this.id, source);
    } catch (err) {
      throw fromEngineError(err, '/path');
    }
  }

  /** A tuned encoder's weights (top-layers, full) and the session's number for their version. */
  private async tunedEncoder(): Promise<{ encoderTensors: Map<string, NamedTensor>; modelVersion: number }> {
    const tuned = await (this.worker as ModelWorker).encoderTensors();
    return {
      encoderTensors: new Map(tuned.tensors.map(t => [t.name, { shape: t.shape, values: t.values }])),
      // The worker counts from 0 again after a restart; export directories are named by the session's number.
      modelVersion: this.loop?.sessionVersion(tuned.modelVersion) ?? tuned.modelVersion
    };
  }

  /** ModelArchive's writer: the live version into `directory` (a sentence-transformers one when tuned). */
  private async writeVersion(version: number, directory: string): Promise<boolean> {
    if (this.tokenizer && this.plan.kind === 'trainable' && this.plan.transform.type === 'sentence-encoder') {
      const tuned = await this.tunedEncoder();
      if (tuned.modelVersion !== version) {
        return false;
      }
      // Crash-safe already: the directory is filled as a temporary sibling and renamed in (durableFiles).
      writeSentenceEncoderModel(directory, {
        modelDir: this.plan.transform.modelDir,
        dataset: this.config.name,
        ...tuned
      });
      return true;
    }
    const exported = await this.exportModel();
    if (exported.modelVersion !== version) {
      return false;
    }
    await writeArtifacts(directory, exported);
    return true;
  }

  /** True when the model is a pretrained sentence encoder with an adapter (exported as sentence-transformers). */
  get isSentenceEncoder(): boolean {
    return this.plan.kind === 'trainable' && this.plan.transform.type === 'sentence-encoder';
  }

  /** True when the sentence encoder's own weights train (top-layers, full): there is no TF.js layers model. */
  /** False for fixed featurizers (hashed-ngram): no weights to export. */
  get hasWeights(): boolean {
    return this.plan.kind === 'trainable';
  }

  get tunesEncoder(): boolean {
    return this.tokenizer !== undefined;
  }

  /** model.json text and weights.bin bytes of the live model (docs/model-format.md). */
  async exportModel(): Promise<{ modelVersion: number; modelJson: string; weights: Uint8Array }> {
    await this.ready;
    if (!this.worker || this.plan.kind !== 'trainable') {
      throw invalidParams('/sessionId', `model '${this.config.model}' is a fixed featurizer without weights to export`);
    }
    if (this.tokenizer) {
      throw invalidParams(
        '/sessionId',
        'this session trains the sentence encoder itself: it has no TF.js model, only a sentence-transformers directory'
      );
    }
    const weights = await this.worker.weights();
    // Read after the weights: a round queued before them in the worker may have made a newer version live.
    return exportArtifacts(weights, this.plan, this.config, this.modelVersion, this.worker.dim);
  }

  close(): void {
    this.closed = true;
    this.prefetch.clear();
    this.cache.clear();
    this.loop?.close();
    this.classification?.close();
    this.poolEncoder?.close();
    // The last version is written before its worker goes.
    const archived = this.archive?.flush() ?? Promise.resolve();
    void archived.finally(() => this.worker?.close());
  }

  // ---- internals

  private classificationTask(labelSet: NonNullable<ReturnType<typeof checkTaskConfig>>): ClassificationTask {
    return new ClassificationTask(
      {
        sessionId: this.id,
        store: this.deps.store,
        config: this.config,
        matrix: () => this.vectors,
        item: row => this.pool.ref(row),
        rowOf: id => this.pool.rowOf(id),
        rowOfIndex: index => this.pool.rowOfIndex(index),
        trainEncoder: this.plan.kind === 'trainable' ? () => this.trainEncoderRound() : undefined,
        progress: () => this.progress(),
        progressChanged: () => this.deps.listener.progressChanged(this),
        modelUpdated: record => this.deps.listener.modelUpdated?.(this, record)
      },
      labelSet
    );
  }

  /** A classification round's encoder part: one worker round on the task's class pairs; its loss. */
  private async trainEncoderRound(): Promise<number | null> {
    await this.ready;
    this.loop?.trainNow();
    await this.loop?.wait(undefined, 30 * 60 * 1000);
    return this.loop?.lastLoss ?? null;
  }

  private async startWorker(plan: Extract<ModelPlan, { kind: 'trainable' }>): Promise<void> {
    const params = {
      model: plan.spec,
      trainer: {
        loss: this.config.loss,
        margin: this.config.margin,
        seed: this.config.seed ?? 1,
        learningRate: this.config.learningRate
      },
      metadata: { sessionModel: this.config.model },
      backend: this.config.backend
    };
    const saved = this.deps.restoredModel?.savedVersionDir;
    // A tuned encoder's version is a sentence-transformers directory, a layers model's its model.json.
    const weights = saved === undefined || this.tokenizer ? saved : join(saved, MODEL_JSON);
    try {
      try {
        this.worker = await ModelWorker.start({ ...params, initialWeights: weights });
      } catch (err) {
        if (weights === undefined) {
          throw err;
        }
        // The labels are what matters: train again from the base model rather than refuse the dataset.
        log(
          'error',
          `session ${this.id}: restoring model weights from ${weights} failed (${describeError(err)}); ` +
            'training again from the base model on the stored answers'
        );
        this.savedWeightsLost = true;
        this.worker = await ModelWorker.start(params);
      }
    } catch (err) {
      throw fromEngineError(err, this.config.tailor?.outputDim !== undefined ? '/tailor' : '/model');
    }
    const expected = plan.inputShape.reduce((p, d) => p * d, 1);
    if (this.worker.info.inputRowSize !== expected) {
      void this.worker.close();
      throw invalidParams(
        '/inputShape',
        `the model takes inputs of ${this.worker.info.inputRowSize} values, inputShape [${plan.inputShape.join(', ')}] has ${expected}`
      );
    }
    this.vectors = new EmbeddingMatrix(this.worker.dim);
    this.archive = new ModelArchive(this.deps.store, this.id, (version, dir) => this.writeVersion(version, dir));
    this.loop = new TrainingLoop(
      this.worker,
      {
        pairs: () => this.pairs(),
        answerCount: () => this.counts.done,
        roundOptions: () => ({
          epochs: this.config.epochs,
          batchSize: this.tokenizer
            ? Math.min(this.config.batchSize, SENTENCE_TUNING_MAX_BATCH)
            : this.config.batchSize,
          learningRate: this.config.learningRate,
          updateEvery: this.config.updateEvery
        }),
        install: (_version, vectors, rows) => this.install(vectors, rows),
        scan: this.roundScan(),
        versionLive: record => {
          this.archive?.versionLive(record);
          this.prefetch.modelChanged();
          if (!this.classification) {
            // A classification version is the task's (encoder round + head), announced by the task.
            this.deps.listener.modelUpdated?.(this, record);
          }
          this.deps.listener.progressChanged(this);
        },
        stateChanged: () => this.deps.listener.progressChanged(this)
      },
      this.deps.restoredModel?.records ?? []
    );
  }

  private transform(): Extract<ModelPlan, { kind: 'trainable' }>['transform'] {
    if (this.plan.kind !== 'trainable') {
      throw new SidecarError(-32603, 'fixed models have no input transform', { kind: 'internal_error' });
    }
    return this.plan.transform;
  }

  /** A chunk's embeddings are in: it becomes visible to questions. */
  private embedded(vectors: Float32Array, rows: number, isLast: boolean): void {
    this.vectors.append(vectors);
    this.queue.grow(rows);
    for (const row of this.answeredPending) {
      if (row < this.queue.size) {
        this.queue.markAnswered(row);
        this.answeredPending.delete(row);
      }
    }
    this.deps.listener.progressChanged(this);
    if (isLast) {
      // Questions prepared while loading ranked only part of the pool.
      this.dropPrepared();
      this.classification?.poolLoaded();
      this.deps.listener.loadingFinished(this);
    }
    this.prefetch.fill();
  }

  /** Drops prepared questions and cached neighbours (the pool or the question shape changed); rows go back. */
  private dropPrepared(): void {
    this.cache.clear();
    for (const prepared of this.prefetch.clear()) {
      this.droppedStrategy.set(prepared.built.queryRow, prepared.pick.strategy);
      this.queue.putBack(prepared.built.queryRow);
    }
    this.prefetch.fill();
  }

  /**
   * Swaps the index for a new model's embeddings of rows [0, rows) in one assignment (the array is handed
   * over, not copied): a scan running meanwhile finishes on the matrix it started with.
   */
  private install(vectors: Float32Array, rows: number): void {
    this.vectors = EmbeddingMatrix.wrap(this.vectors.dim, vectors, rows);
  }

  /**
   * What a training round ranks in the worker right after re-embedding (one batched matMul + topk there,
   * instead of JS scans here): the prepared questions' rows, handed-back rows, and — for the active order —
   * a fresh sample that the next picks are scored on.
   */
  private roundScan(): RoundScan {
    let finished: () => void = () => undefined;
    return {
      rows: () => {
        this.pendingScan = new Promise<void>(resolve => (finished = resolve));
        const version = this.modelVersion;
        const asked = new Set([...this.prefetch.rows(), ...this.queue.returnedRows()]);
        const rows = new Set(asked);
        if (this.config.queryOrder === 'active') {
          const size = this.vectors.size;
          const { minSample, maxSample, roundBudget } = ACTIVE_TUNING;
          const count = Math.max(minSample, Math.min(maxSample, Math.round(roundBudget / (size * this.vectors.dim))));
          this.queue.sampleFresh(count, size, () => this.rng.next()).forEach(row => rows.add(row));
        }
        this.scanFor = { version, asked };
        return { rows: [...rows], k: this.neighbourCount() };
      },
      done: neighbours => {
        const scanFor = this.scanFor;
        if (neighbours !== undefined && scanFor !== undefined && scanFor.version === this.modelVersion) {
          neighbours.rows.forEach((row, i) =>
            this.cache.put(
              { row, modelVersion: scanFor.version, neighbours: neighbours.lists[i] },
              !scanFor.asked.has(row)
            )
          );
        }
        this.pendingScan = undefined;
        finished();
      }
    };
  }

  /** Neighbours of `rows` under the live version: cached ones (the round computed them) or a time-sliced scan. */
  private async neighboursNow(rows: number[]): Promise<Neighbour[][] | undefined> {
    // The round is ranking these rows in the worker right now: wait for that rather than scan twice.
    await this.pendingScan;
    const version = this.modelVersion;
    const wanted = this.neighbourCount();
    const lists = rows.map(row => {
      const entry = this.cache.get(row, wanted);
      return entry !== undefined && entry.modelVersion === version ? entry.neighbours : undefined;
    });
    const missing = rows.filter((_, i) => lists[i] === undefined);
    if (missing.length > 0) {
      const found = await this.selector.rescan(missing);
      if (found === undefined || this.modelVersion !== version) {
        return undefined;
      }
      let next = 0;
      lists.forEach((list, i) => {
        if (list === undefined) {
          lists[i] = found[next++];
        }
      });
    }
    return lists as Neighbour[][];
  }

  private canAsk(): boolean {
    // Classification questions come from the task, never from the neighbour prefetch.
    return !this.classification && !this.closed && this.vectors.size >= MIN_ITEMS_FOR_QUESTIONS;
  }

  private openHeld(holder: HolderId): QuestionRecord[] {
    const open = (this.held.get(holder) ?? []).filter(record => record.status === 'open');
    this.held.set(holder, open);
    return open;
  }

  /**
   * A new question for `holder`, from memory: a handed-back query (its cached neighbours), else the oldest
   * prepared question, else a leftover an active scan ranked. Only with `mayScan` (the synchronous API)
   * does it fall back to picking and scanning on the spot.
   */
  private assign(holder: HolderId, mayScan: boolean): QuestionRecord | undefined {
    if (!this.canAsk()) {
      return undefined;
    }
    let built: BuiltQuestion | undefined;
    const returned = this.queue.takeReturned();
    if (returned !== undefined) {
      const strategy: QueryStrategy =
        this.questionByRow.get(returned)?.question.strategy ?? this.droppedStrategy.get(returned) ?? 'repeat';
      const cached = this.cache.get(returned, this.neighbourCount());
      if (cached !== undefined || mayScan) {
        built = this.build({ row: returned, strategy, ...this.cachedPick(cached) });
      } else {
        // Not scanned yet (the pool or the shape changed): the background task does it; asked after that.
        this.queue.giveBack(returned);
        this.prefetch.fill();
      }
    }
    built ??= this.prefetch.take()?.built;
    if (built === undefined) {
      const pick = this.pickLeftover() ?? (mayScan ? this.selector.pickNow() : undefined);
      built = pick === undefined ? undefined : this.build(pick);
    }
    if (built === undefined) {
      return undefined;
    }
    this.cache.used(built.queryRow);
    const previous = this.questionByRow.get(built.queryRow);
    if (previous !== undefined && previous.status === 'open') {
      // A question handed back by a closed connection: its late answer must not count twice.
      previous.status = 'superseded';
    }
    const record: QuestionRecord = { ...built, status: 'open' };
    if (this.config.keepSameQuestion && this.allAnswers.some(a => a.record.queryRow === built.queryRow)) {
      record.question.strategy = 'repeat';
    }
    this.storeAsked(record.question);
    this.questions.set(record.question.id, record);
    this.questionByRow.set(record.queryRow, record);
    this.held.set(holder, [...(this.held.get(holder) ?? []), record]);
    this.askedRows.push(record.queryRow);
    this.prefetch.fill();
    return record;
  }

  private shape(): QuestionShape {
    return {
      topK: this.config.topK,
      hardNegatives: this.config.hardNegatives,
      randomNegatives: this.config.randomNegatives
    };
  }

  private neighbourCount(): number {
    return Math.min(this.config.topK + this.config.hardNegatives, this.vectors.size - 1);
  }

  private cachedPick(cached: { modelVersion: number; neighbours: Pick['neighbours'] } | undefined) {
    return cached === undefined
      ? { modelVersion: this.modelVersion }
      : { modelVersion: cached.modelVersion, neighbours: cached.neighbours };
  }

  /**
   * A question from a pick. With enough neighbours it says the version that ranked them; otherwise (the
   * synchronous API only) it scans the live index. Its neighbours are cached so a repeat needs no scan.
   */
  private build(pick: Pick): BuiltQuestion {
    const shape = this.shape();
    const known = neighboursSuffice(pick.neighbours, shape, this.vectors);
    const modelVersion = known ? pick.modelVersion : this.modelVersion;
    const built = buildQuestion(
      this.id,
      this.pool,
      this.vectors,
      modelVersion,
      pick.row,
      pick.strategy,
      shape,
      () => this.rng.next(),
      known ? pick.neighbours : undefined
    );
    this.cache.put({ row: pick.row, modelVersion, neighbours: built.neighbours });
    return built;
  }

  /**
   * The prepared queue ran dry: a fresh row an earlier active scan ranked (its neighbours cached). By
   * uncertainty under the current relevance fit when there is one, else the most recent (a uniform sample).
   */
  private pickLeftover(): Pick | undefined {
    if (this.config.queryOrder !== 'active') {
      return undefined;
    }
    const rows = this.cache.leftoverRows(row => this.queue.isFresh(row));
    if (rows.length === 0) {
      return undefined;
    }
    const relevance = fitRelevanceModel(this.labeledSimilarities());
    let row = rows[0];
    if (relevance !== undefined) {
      let best = -Infinity;
      for (const candidate of rows) {
        const entry = this.cache.get(candidate, 0);
        const score = entry
          ? expectedEntropy(
              entry.neighbours.slice(0, this.config.topK).map(n => n.score),
              relevance
            )
          : -1;
        if (score > best) {
          best = score;
          row = candidate;
        }
      }
    }
    const entry = this.cache.get(row, this.neighbourCount());
    if (entry === undefined || !this.queue.takeRow(row)) {
      return undefined;
    }
    return {
      row,
      strategy: relevance ? 'uncertain' : 'random',
      modelVersion: entry.modelVersion,
      neighbours: entry.neighbours
    };
  }

  /** Handed-back rows whose cached neighbours are missing or older than the live model: the pump rescans them. */
  private staleReturned(): number[] {
    const wanted = this.neighbourCount();
    return this.queue
      .returnedRows()
      .filter(row => (this.cache.get(row, wanted)?.modelVersion ?? -1) < this.modelVersion)
      .slice(0, 8);
  }

  private labeledSimilarities(): LabeledSimilarity[] {
    const out: LabeledSimilarity[] = [];
    const matrix = this.vectors;
    for (const entry of this.answerLog.slice(-MAX_THRESHOLD_ANSWERS)) {
      if (entry.ignored === 1 || entry.record.queryRow >= matrix.size) {
        continue;
      }
      const query = matrix.row(entry.record.queryRow);
      entry.record.candidateRows.forEach((row, i) => {
        if (row >= matrix.size || entry.record.question.candidates[i].extra === 'random') {
          return;
        }
        const other = matrix.row(row);
        let score = 0;
        for (let d = 0; d < query.length; d++) {
          score += query[d] * other[d];
        }
        out.push({ score, relevant: entry.relevantRows.has(row) });
      });
    }
    return out;
  }

  private applyCounts(entry: AnswerEntry, sign: 1 | -1): void {
    this.counts.done += sign;
    this.counts.positive += sign * entry.positive;
    this.counts.negative += sign * entry.negative;
    this.counts.ignored += sign * entry.ignored;
  }
}

/** A question as the store keeps it with its answer. */
function storedQuestion(question: Question): StoredQuestion {
  return {
    questionId: question.id,
    queryId: question.query.id,
    candidateIds: question.candidates.map(c => c.id),
    candidateExtras: question.candidates.map(c => c.extra ?? null),
    modelVersion: question.modelVersion,
    strategy: question.strategy ?? null
  };
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
