import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ItemId, QueryStrategy, SessionConfig } from '../../protocol/messages';
import { duplicateAnswer, internalError, invalidRequest, storeCorrupt, storeUnavailable } from '../errors';
import { describeError } from '../log';
import type {
  DatasetRecord,
  LabelStore,
  StoredAnswer,
  StoredChunk,
  StoredItem,
  StoredMachineLabel,
  StoredModelVersion,
  StoredQuestion
} from './labelStore';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { corruptMessage, toStoreError } from './storeErrors';

export interface SqliteLabelStoreOptions {
  /** Path of the database file (created when missing, with its directory), or ':memory:'. */
  file: string;
  /** Where model version artifacts go; default `<dir of file>/models`, none for ':memory:'. */
  modelDir?: string;
  /** better-sqlite3's compiled addon; default: `better_sqlite3.node` next to the bundle, else the package's own. */
  nativeBinding?: string;
  /** Open without writing anything (no WAL switch, no migration): every write fails with `store_unavailable`. */
  readonly?: boolean;
  /** How long a write waits for another process's lock; default 5000 ms. */
  busyTimeoutMs?: number;
}

/** The addon `npm run build:sidecar` copies next to sidecar.js; the wheel has no node_modules. */
function bundledNativeBinding(): string | undefined {
  const candidate = join(__dirname, 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

interface DatasetRow {
  id: string;
  name: string;
  config: string;
  created_at: string;
  closed: number;
}

interface ChunkRow {
  dataset_id: string;
  seq: number;
  upload_id: string;
  chunk_index: number;
  total_items: number;
  is_last: number;
  payload: Buffer;
}

interface QuestionRow {
  question_id: string;
  query_id: string;
  candidate_ids: string;
  candidate_extras: string;
  model_version: number;
  strategy: string | null;
}

interface AnswerRow extends QuestionRow {
  dataset_id: string;
  answer_id: string;
  relevant_ids: string;
  ignored: number;
  annotator: string;
  origin: string;
  answered_at: string;
  undone: number;
  labels: string | null;
  accepted_prediction: number | null;
}

interface ModelVersionRow {
  dataset_id: string;
  version: number;
  loss: number | null;
  answers: number;
  time: string;
  train_ms: number;
  path: string | null;
}

interface QuestionParams {
  dataset_id: string;
  question_id: string;
  query_id: string;
  candidate_ids: string;
  candidate_extras: string;
  model_version: number;
  strategy: string | null;
}

const DATASET_COLUMNS = 'id, name, config, created_at, closed';
const ANSWER_SELECT = `
  SELECT a.dataset_id, a.answer_id, a.question_id, a.relevant_ids, a.ignored, a.annotator, a.origin, a.answered_at,
         a.undone, a.labels, a.accepted_prediction, q.query_id, q.candidate_ids, q.candidate_extras, q.model_version, q.strategy
  FROM answers a JOIN questions q ON q.dataset_id = a.dataset_id AND q.question_id = a.question_id
  WHERE a.dataset_id = ? ORDER BY a.seq`;

const STRATEGIES: ReadonlySet<string> = new Set<QueryStrategy>([
  'uncertain',
  'diverse',
  'random',
  'sequential',
  'repeat'
]);

/** The statements every call uses, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    insertDataset: db.prepare<[DatasetRow]>(
      'INSERT INTO datasets (id, name, config, created_at, closed) VALUES (@id, @name, @config, @created_at, @closed)'
    ),
    datasetByName: db.prepare<[string], DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM datasets WHERE name = ?`),
    datasetById: db.prepare<[string], DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = ?`),
    listDatasets: db.prepare<[], DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM datasets ORDER BY created_at, name`),
    updateConfig: db.prepare<[string, string]>('UPDATE datasets SET config = ? WHERE id = ?'),
    setClosed: db.prepare<[number, string]>('UPDATE datasets SET closed = ? WHERE id = ?'),
    insertChunk: db.prepare<[ChunkRow]>(
      `INSERT INTO chunks (dataset_id, seq, upload_id, chunk_index, total_items, is_last, payload)
       VALUES (@dataset_id, @seq, @upload_id, @chunk_index, @total_items, @is_last, @payload)`
    ),
    insertItem: db.prepare<[string, number, string, number | null, string]>(
      'INSERT INTO items (dataset_id, row, item_id, item_index, content_hash) VALUES (?, ?, ?, ?, ?)'
    ),
    chunks: db.prepare<[string], ChunkRow>(
      `SELECT dataset_id, seq, upload_id, chunk_index, total_items, is_last, payload
       FROM chunks WHERE dataset_id = ? ORDER BY seq`
    ),
    insertQuestion: db.prepare<[QuestionParams]>(
      `INSERT INTO questions (dataset_id, question_id, query_id, candidate_ids, candidate_extras, model_version, strategy)
       VALUES (@dataset_id, @question_id, @query_id, @candidate_ids, @candidate_extras, @model_version, @strategy)
       ON CONFLICT (dataset_id, question_id) DO NOTHING`
    ),
    question: db.prepare<[string, string], QuestionRow>(
      `SELECT question_id, query_id, candidate_ids, candidate_extras, model_version, strategy
       FROM questions WHERE dataset_id = ? AND question_id = ?`
    ),
    // rowid order is the order of asking (the table is a rowid table).
    openQuestions: db.prepare<[string], QuestionRow>(
      `SELECT q.question_id, q.query_id, q.candidate_ids, q.candidate_extras, q.model_version, q.strategy
       FROM questions q
       WHERE q.dataset_id = ?
         AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.dataset_id = q.dataset_id AND a.question_id = q.question_id)
       ORDER BY q.rowid`
    ),
    insertAnswer: db.prepare<
      [
        {
          dataset_id: string;
          answer_id: string;
          question_id: string;
          relevant_ids: string;
          ignored: number;
          annotator: string;
          origin: string;
          answered_at: string;
          undone: number;
          labels: string | null;
          accepted_prediction: number | null;
        }
      ]
    >(
      `INSERT INTO answers (dataset_id, answer_id, question_id, relevant_ids, ignored, annotator, origin, answered_at, undone,
                            labels, accepted_prediction)
       VALUES (@dataset_id, @answer_id, @question_id, @relevant_ids, @ignored, @annotator, @origin, @answered_at, @undone,
               @labels, @accepted_prediction)`
    ),
    deleteMachineLabels: db.prepare<[string]>('DELETE FROM machine_labels WHERE dataset_id = ?'),
    insertMachineLabel: db.prepare<[string, number, string, number, number]>(
      'INSERT INTO machine_labels (dataset_id, row, labels, score, model_version) VALUES (?, ?, ?, ?, ?)'
    ),
    machineLabels: db.prepare<[string], { row: number; labels: string; score: number; model_version: number }>(
      'SELECT row, labels, score, model_version FROM machine_labels WHERE dataset_id = ? ORDER BY row'
    ),
    undoAnswer: db.prepare<[string, string]>('UPDATE answers SET undone = 1 WHERE dataset_id = ? AND answer_id = ?'),
    hasAnswer: db
      .prepare<[string, string], number>('SELECT 1 FROM answers WHERE dataset_id = ? AND answer_id = ?')
      .pluck(),
    answers: db.prepare<[string], AnswerRow>(ANSWER_SELECT),
    saveModelVersion: db.prepare<[ModelVersionRow]>(
      `INSERT INTO model_versions (dataset_id, version, loss, answers, time, train_ms, path)
       VALUES (@dataset_id, @version, @loss, @answers, @time, @train_ms, @path)
       ON CONFLICT (dataset_id, version) DO UPDATE SET
         loss = excluded.loss, answers = excluded.answers, time = excluded.time, train_ms = excluded.train_ms,
         path = excluded.path`
    ),
    pruneModelVersion: db.prepare<[string, number]>(
      'UPDATE model_versions SET path = NULL WHERE dataset_id = ? AND version = ?'
    ),
    modelVersions: db.prepare<[string], ModelVersionRow>(
      `SELECT dataset_id, version, loss, answers, time, train_ms, path
       FROM model_versions WHERE dataset_id = ? ORDER BY version`
    )
  };
}

/**
 * The label store on SQLite (better-sqlite3, synchronous). WAL journal with `synchronous=FULL`: a call returns
 * only after its transaction is on disk, and readers in other processes (Python's sqlite3 in `mode=ro`) can read
 * while the sidecar writes. Schema: `docs/storage.md`, `migrations.ts`.
 */
export class SqliteLabelStore implements LabelStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** One reusable transaction wrapper: `write(fn)` runs `fn` inside BEGIN IMMEDIATE ... COMMIT. */
  private readonly transaction: Database.Transaction<(fn: () => void) => void>;

  private constructor(
    /** The underlying connection. Exposed for tests that inject faults (e.g. `max_page_count`); not for writes. */
    readonly connection: Database.Database,
    /** Absolute path of the database file, or ':memory:'. */
    readonly file: string,
    readonly modelDir: string | undefined
  ) {
    this.statements = prepareStatements(connection);
    this.transaction = connection.transaction((fn: () => void) => fn());
  }

  /** Opens (creating or migrating) the store. Throws `store_unavailable` or `store_corrupt`. */
  static open(options: SqliteLabelStoreOptions): SqliteLabelStore {
    const memory = options.file === ':memory:';
    const file = memory ? options.file : resolve(options.file);
    const readonly = options.readonly ?? false;
    if (memory && readonly) {
      throw new TypeError('an in-memory label store cannot be read-only');
    }
    if (!memory && !readonly) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw storeUnavailable(`cannot create the directory of the label store ${file} (${describeError(err)})`);
      }
    }
    if (!memory && !existsSync(dirname(file))) {
      throw storeUnavailable(`cannot open the label store at ${file}: its directory does not exist`);
    }
    const db = openConnection(file, options, readonly);
    try {
      configure(db, file, readonly);
      const modelDir = options.modelDir ?? (memory ? undefined : join(dirname(file), 'models'));
      return new SqliteLabelStore(db, file, modelDir);
    } catch (err) {
      db.close();
      throw toStoreError(err, file);
    }
  }

  createDataset(dataset: DatasetRecord): void {
    this.write(() => {
      this.statements.insertDataset.run({
        id: dataset.id,
        name: dataset.name,
        config: JSON.stringify(dataset.config),
        created_at: dataset.createdAt,
        closed: dataset.closed ? 1 : 0
      });
    });
  }

  datasetByName(name: string): DatasetRecord | undefined {
    const row = this.read(() => this.statements.datasetByName.get(name));
    return row && this.dataset(row);
  }

  datasetById(id: string): DatasetRecord | undefined {
    const row = this.read(() => this.statements.datasetById.get(id));
    return row && this.dataset(row);
  }

  listDatasets(): DatasetRecord[] {
    return this.read(() => this.statements.listDatasets.all()).map(row => this.dataset(row));
  }

  updateConfig(datasetId: string, config: SessionConfig): void {
    this.write(() => {
      const { changes } = this.statements.updateConfig.run(JSON.stringify(config), datasetId);
      this.expectChanged(changes, `dataset '${datasetId}'`);
    });
  }

  setClosed(datasetId: string, closed: boolean): void {
    this.write(() => {
      const { changes } = this.statements.setClosed.run(closed ? 1 : 0, datasetId);
      this.expectChanged(changes, `dataset '${datasetId}'`);
    });
  }

  chunkAppended(chunk: StoredChunk, items: StoredItem[]): void {
    this.write(() => {
      this.statements.insertChunk.run({
        dataset_id: chunk.datasetId,
        seq: chunk.seq,
        upload_id: chunk.uploadId,
        chunk_index: chunk.chunkIndex,
        total_items: chunk.totalItems,
        is_last: chunk.isLast ? 1 : 0,
        // better-sqlite3 binds Buffers only; this is a view, not a copy.
        payload: Buffer.from(chunk.payload.buffer, chunk.payload.byteOffset, chunk.payload.byteLength)
      });
      for (const item of items) {
        const { row, id, index, contentHash } = item;
        this.statements.insertItem.run(chunk.datasetId, row, JSON.stringify(id), index ?? null, contentHash);
      }
    });
  }

  chunks(datasetId: string): StoredChunk[] {
    return this.read(() => this.statements.chunks.all(datasetId)).map(row => ({
      datasetId: row.dataset_id,
      seq: row.seq,
      uploadId: row.upload_id,
      chunkIndex: row.chunk_index,
      totalItems: row.total_items,
      isLast: row.is_last === 1,
      payload: row.payload
    }));
  }

  questionAsked(datasetId: string, question: StoredQuestion): void {
    this.write(() => this.insertQuestion(datasetId, question));
  }

  openQuestions(datasetId: string): StoredQuestion[] {
    return this.read(() => this.statements.openQuestions.all(datasetId)).map(row =>
      this.question(row, `question '${row.question_id}' of dataset '${datasetId}'`)
    );
  }

  answerRecorded(answer: StoredAnswer): void {
    this.write(() => this.insertAnswer(answer));
  }

  answersRecorded(answers: StoredAnswer[]): void {
    this.write(() => answers.forEach(answer => this.insertAnswer(answer)));
  }

  machineLabelsReplaced(datasetId: string, labels: readonly StoredMachineLabel[]): void {
    this.write(() => {
      this.statements.deleteMachineLabels.run(datasetId);
      for (const l of labels) {
        this.statements.insertMachineLabel.run(datasetId, l.row, JSON.stringify(l.labels), l.score, l.modelVersion);
      }
    });
  }

  machineLabels(datasetId: string): StoredMachineLabel[] {
    const where = `machine labels of dataset '${datasetId}'`;
    return this.read(() => this.statements.machineLabels.all(datasetId)).map(r => ({
      row: r.row,
      labels: this.labelNames(r.labels, where),
      score: r.score,
      modelVersion: r.model_version
    }));
  }

  answerUndone(datasetId: string, answerId: string): void {
    this.write(() => {
      const { changes } = this.statements.undoAnswer.run(datasetId, answerId);
      this.expectChanged(changes, `answer '${answerId}' of dataset '${datasetId}'`);
    });
  }

  answers(datasetId: string): StoredAnswer[] {
    return this.read(() => this.statements.answers.all(datasetId)).map(row => this.answer(row));
  }

  hasAnswer(datasetId: string, answerId: string): boolean {
    return this.read(() => this.statements.hasAnswer.get(datasetId, answerId)) !== undefined;
  }

  /** Saving a version number again (a restarted round) replaces its record. */
  modelVersionSaved(version: StoredModelVersion): void {
    this.write(() => {
      this.statements.saveModelVersion.run({
        dataset_id: version.datasetId,
        version: version.version,
        loss: version.loss,
        answers: version.answers,
        time: version.time,
        train_ms: version.trainMs,
        path: version.path
      });
    });
  }

  /** A version that was never saved has nothing to prune: no error. */
  modelVersionPruned(datasetId: string, version: number): void {
    this.write(() => {
      this.statements.pruneModelVersion.run(datasetId, version);
    });
  }

  modelVersions(datasetId: string): StoredModelVersion[] {
    return this.read(() => this.statements.modelVersions.all(datasetId)).map(row => ({
      datasetId: row.dataset_id,
      version: row.version,
      loss: row.loss,
      answers: row.answers,
      time: row.time,
      trainMs: row.train_ms,
      path: row.path
    }));
  }

  close(): void {
    if (this.connection.open) {
      this.connection.close();
    }
  }

  // ------------------------------------------------------------------ internals

  private insertAnswer(answer: StoredAnswer): void {
    const datasetId = answer.sessionId;
    if (this.statements.hasAnswer.get(datasetId, answer.answerId) !== undefined) {
      throw duplicateAnswer(datasetId, answer.answerId);
    }
    this.insertQuestion(datasetId, answer.question);
    this.statements.insertAnswer.run({
      dataset_id: datasetId,
      answer_id: answer.answerId,
      question_id: answer.question.questionId,
      relevant_ids: JSON.stringify(answer.relevantIds),
      ignored: answer.ignored ? 1 : 0,
      annotator: answer.annotator,
      origin: answer.origin,
      answered_at: answer.answeredAt,
      undone: answer.undone ? 1 : 0,
      labels: answer.labels === undefined ? null : JSON.stringify(answer.labels),
      accepted_prediction: answer.acceptedPrediction === undefined ? null : answer.acceptedPrediction ? 1 : 0
    });
  }

  /** A question is stored once; a second answer to it must name the same query and candidates. */
  private insertQuestion(datasetId: string, question: StoredQuestion): void {
    const params: QuestionParams = {
      dataset_id: datasetId,
      question_id: question.questionId,
      query_id: JSON.stringify(question.queryId),
      candidate_ids: JSON.stringify(question.candidateIds),
      candidate_extras: JSON.stringify(question.candidateExtras),
      model_version: question.modelVersion,
      strategy: question.strategy
    };
    if (this.statements.insertQuestion.run(params).changes > 0) {
      return;
    }
    const stored = this.statements.question.get(datasetId, question.questionId);
    if (stored && (stored.query_id !== params.query_id || stored.candidate_ids !== params.candidate_ids)) {
      throw invalidRequest(
        `question '${question.questionId}' is already stored for dataset '${datasetId}' with another query or candidates`,
        'question_conflict'
      );
    }
  }

  private expectChanged(changes: number, what: string): void {
    if (changes === 0) {
      throw internalError(`${what} is not in the label store`);
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction; on failure it is rolled back and the error mapped. */
  private write(fn: () => void): void {
    try {
      this.transaction.immediate(fn);
    } catch (err) {
      // better-sqlite3 rolls back itself; a failed ROLLBACK must still not leave later calls inside this one.
      if (this.connection.open && this.connection.inTransaction) {
        try {
          this.connection.exec('ROLLBACK');
        } catch {
          // Nothing more to do: the original error is the one to report.
        }
      }
      throw toStoreError(err, this.file);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.file);
    }
  }

  private question(row: QuestionRow, where: string): StoredQuestion {
    const extras = this.json(row.candidate_extras, where);
    if (!Array.isArray(extras) || !extras.every(e => e === null || e === 'hard' || e === 'random')) {
      throw storeCorrupt(corruptMessage(this.file, `${where}: candidate extras are malformed`));
    }
    return {
      questionId: row.question_id,
      queryId: this.itemId(row.query_id, where),
      candidateIds: this.itemIds(row.candidate_ids, where),
      candidateExtras: extras,
      modelVersion: row.model_version,
      // A strategy this version does not know (written by a newer one) is just not shown.
      strategy: row.strategy !== null && STRATEGIES.has(row.strategy) ? (row.strategy as QueryStrategy) : null
    };
  }

  private dataset(row: DatasetRow): DatasetRecord {
    const config = this.json(row.config, `config of dataset '${row.id}'`);
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw storeCorrupt(corruptMessage(this.file, `config of dataset '${row.id}' is not an object`));
    }
    return {
      id: row.id,
      name: row.name,
      config: config as SessionConfig,
      createdAt: row.created_at,
      closed: row.closed === 1
    };
  }

  private answer(row: AnswerRow): StoredAnswer {
    const where = `answer '${row.answer_id}' of dataset '${row.dataset_id}'`;
    return {
      sessionId: row.dataset_id,
      answerId: row.answer_id,
      question: this.question(row, where),
      relevantIds: this.itemIds(row.relevant_ids, where),
      ignored: row.ignored === 1,
      annotator: row.annotator,
      origin: row.origin === 'import' ? 'import' : 'label',
      answeredAt: row.answered_at,
      undone: row.undone === 1,
      ...(row.labels === null ? {} : { labels: this.labelNames(row.labels, where) }),
      ...(row.accepted_prediction === null ? {} : { acceptedPrediction: row.accepted_prediction === 1 })
    };
  }

  private labelNames(text: string, where: string): string[] {
    const value = this.json(text, where);
    if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
      throw storeCorrupt(corruptMessage(this.file, `${where}: ${text} is not a list of label names`));
    }
    return value as string[];
  }

  private itemId(text: string, where: string): ItemId {
    const value = this.json(text, where);
    if (!isItemId(value)) {
      throw storeCorrupt(corruptMessage(this.file, `${where}: ${text} is not an item id`));
    }
    return value;
  }

  private itemIds(text: string, where: string): ItemId[] {
    const value = this.json(text, where);
    if (!Array.isArray(value) || !value.every(isItemId)) {
      throw storeCorrupt(corruptMessage(this.file, `${where}: ${text} is not a list of item ids`));
    }
    return value;
  }

  private json(text: string, where: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw storeCorrupt(corruptMessage(this.file, `${where} is not valid JSON`));
    }
  }
}

function isItemId(value: unknown): value is ItemId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

function openConnection(file: string, options: SqliteLabelStoreOptions, readonly: boolean): Database.Database {
  const nativeBinding = options.nativeBinding ?? bundledNativeBinding();
  try {
    return new Database(file, {
      readonly,
      fileMustExist: readonly,
      timeout: options.busyTimeoutMs ?? 5000,
      ...(nativeBinding === undefined ? {} : { nativeBinding })
    });
  } catch (err) {
    const mapped = toStoreError(err, file);
    if (mapped !== err) {
      throw mapped;
    }
    // Not an SQLite error, and the directory exists: the native addon did not load (missing, or built for
    // another Node ABI or platform).
    throw storeUnavailable(
      `cannot open the label store at ${file}: the SQLite addon better_sqlite3.node did not load ` +
        `(${describeError(err)}); it must lie next to sidecar.js and be built for this Node ${process.version} ` +
        `on ${process.platform}-${process.arch}`
    );
  }
}

/** Pragmas, an integrity check and migrations: everything `open` does before the store is usable. */
function configure(db: Database.Database, file: string, readonly: boolean): void {
  if (!readonly) {
    // WAL: readers in other processes never block the sidecar's writes, nor the other way round.
    db.pragma('journal_mode = WAL');
  }
  // FULL also syncs the WAL on every commit, so a committed answer survives a power cut, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const check = String(db.pragma('quick_check', { simple: true }));
  if (check !== 'ok') {
    // The report lists every damaged page; the first problem is enough for a message.
    const problems = check.split('\n').filter(line => line !== '' && !line.startsWith('***'));
    const more = problems.length > 1 ? ` and ${problems.length - 1} more problems` : '';
    throw storeCorrupt(corruptMessage(file, `integrity check: ${problems[0] ?? check}${more}`));
  }
  migrate(db, file, readonly);
}

function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

function tooNew(file: string, version: number): Error {
  return storeUnavailable(
    `the label store at ${file} has schema version ${version}, but this Tunelab knows only versions up to ` +
      `${SCHEMA_VERSION}: it was written by a newer Tunelab. Upgrade Tunelab (pip install -U tunelab), or set ` +
      'TUNELAB_DATA_DIR to use another store.'
  );
}

/** Applies the pending steps in one IMMEDIATE transaction (another process may be migrating the same file). */
function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const seen = userVersion(db);
  if (seen > SCHEMA_VERSION) {
    throw tooNew(file, seen);
  }
  if (seen === SCHEMA_VERSION) {
    return;
  }
  if (readonly) {
    throw storeUnavailable(
      `the label store at ${file} has schema version ${seen} and needs an upgrade to ${SCHEMA_VERSION}, ` +
        'which cannot be done while it is opened read-only'
    );
  }
  db.transaction(() => {
    const from = userVersion(db);
    if (from > SCHEMA_VERSION) {
      throw tooNew(file, from);
    }
    for (let step = from; step < SCHEMA_VERSION; step++) {
      try {
        db.exec(MIGRATIONS[step].sql);
      } catch (err) {
        const mapped = toStoreError(err, file);
        throw mapped !== err
          ? mapped
          : storeUnavailable(
              `cannot upgrade the label store at ${file} to schema version ${step + 1} ` +
                `(${MIGRATIONS[step].description}): ${describeError(err)}`
            );
      }
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
