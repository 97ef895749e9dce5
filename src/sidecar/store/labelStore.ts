import type { ItemId, ModelVersionRecord, QueryStrategy, SessionConfig } from '../../protocol/messages';

/**
 * A named dataset: one labeling session's durable state. Its id is the session id clients use, so a
 * session restored after a sidecar restart keeps the id browsers and kernels already hold.
 */
export interface DatasetRecord {
  id: string;
  name: string;
  /** The effective session config (defaults filled in), updated by `session/configure`. */
  config: SessionConfig;
  /** ISO-8601. */
  createdAt: string;
  /** Set by `session/close`; a closed dataset is resumed only by name (`session/create`). */
  closed: boolean;
}

/**
 * One pool chunk as it arrived (`session/appendItems`). Replaying a dataset's chunks in order through the
 * same decoding and de-duplication rebuilds its pool row for row.
 */
export interface StoredChunk {
  datasetId: string;
  /** Order of arrival within the dataset, from 0. */
  seq: number;
  uploadId: string;
  chunkIndex: number;
  totalItems: number;
  isLast: boolean;
  /** The Arrow IPC bytes as received. */
  payload: Uint8Array;
}

/** One pool item: its row in the pool and the hash that makes re-adding the same data a no-op. */
export interface StoredItem {
  row: number;
  id: ItemId;
  /**
   * The item's index in the data the user passed (`Item.index`), for readers of the store outside the sidecar
   * (`tunelab.labels()` reports it as the query index). Optional so existing callers compile; stored as NULL if absent.
   */
  index?: number;
  /** Hex digest of the item's id and content (see data/contentHash.ts). */
  contentHash: string;
}

/**
 * A question as it was asked: stored when it is handed out (so an answer to it after a restart is still
 * accepted) and with its answer (so restored answers keep their candidates).
 */
export interface StoredQuestion {
  questionId: string;
  queryId: ItemId;
  candidateIds: ItemId[];
  /** Candidates mixed in as negatives: 'hard' | 'random' per candidate, null for top-K ones. */
  candidateExtras: ('hard' | 'random' | null)[];
  modelVersion: number;
  strategy: QueryStrategy | null;
}

/** An answer as it is persisted. */
export interface StoredAnswer {
  sessionId: string;
  answerId: string;
  question: StoredQuestion;
  relevantIds: ItemId[];
  ignored: boolean;
  /** Name of the user who answered (the Jupyter user for browsers, the login name for kernels). */
  annotator: string;
  /** 'label' for answers given in Tunelab, 'import' for answers read from a label file. */
  origin: 'label' | 'import';
  /** ISO-8601. */
  answeredAt: string;
  undone: boolean;
  /** Classification answers: the label names chosen (absent for similarity answers). */
  labels?: string[];
  /** Classification answers: the prediction shown was accepted as is, or a machine label was confirmed. */
  acceptedPrediction?: boolean;
}

/** An auto-accepted item of a classification dataset (never an answer: kept apart, never trained on). */
export interface StoredMachineLabel {
  row: number;
  labels: string[];
  score: number;
  modelVersion: number;
}

/** A trained model version: its record for the loss chart and where its artifacts lie. */
export interface StoredModelVersion extends ModelVersionRecord {
  datasetId: string;
  /** Directory holding model.json and weights.bin (docs/model-format.md), null once pruned. */
  path: string | null;
}

/**
 * Where datasets, pools, answers and model versions are persisted. Every method is synchronous and
 * returns only after the write is committed, so an answer is durable before it is acknowledged. Failures
 * throw a SidecarError of kind `store_unavailable` (read-only or full disk) or `store_corrupt`.
 */
export interface LabelStore {
  /** Where model version artifacts go (a directory beside the database), undefined for in-memory stores. */
  readonly modelDir: string | undefined;

  createDataset(dataset: DatasetRecord): void;
  datasetByName(name: string): DatasetRecord | undefined;
  datasetById(id: string): DatasetRecord | undefined;
  listDatasets(): DatasetRecord[];
  updateConfig(datasetId: string, config: SessionConfig): void;
  setClosed(datasetId: string, closed: boolean): void;

  /** Stores a chunk and the items it added (possibly none) in one transaction. */
  chunkAppended(chunk: StoredChunk, items: StoredItem[]): void;
  /** The dataset's chunks in arrival order. */
  chunks(datasetId: string): StoredChunk[];

  /** A question handed to a client; storing it again is a no-op. */
  questionAsked(datasetId: string, question: StoredQuestion): void;
  /** The dataset's questions without an answer (not even an undone one), in the order they were asked. */
  openQuestions(datasetId: string): StoredQuestion[];

  answerRecorded(answer: StoredAnswer): void;
  /** Several answers in one transaction (label import). */
  answersRecorded(answers: StoredAnswer[]): void;
  answerUndone(datasetId: string, answerId: string): void;
  /** Every answer of the dataset in the order they were recorded, undone ones included. */
  answers(datasetId: string): StoredAnswer[];
  hasAnswer(datasetId: string, answerId: string): boolean;

  /** Replaces a classification dataset's machine labels (after each model update). */
  machineLabelsReplaced(datasetId: string, labels: readonly StoredMachineLabel[]): void;
  machineLabels(datasetId: string): StoredMachineLabel[];

  modelVersionSaved(version: StoredModelVersion): void;
  /** Marks a version's artifacts as deleted from disk (only the latest few are kept). */
  modelVersionPruned(datasetId: string, version: number): void;
  modelVersions(datasetId: string): StoredModelVersion[];

  close(): void;
}
