/**
 * The label store's schema as an ordered list of steps. Step i (from 0) brings a database from
 * `PRAGMA user_version` i to i + 1; all pending steps run in one transaction at open.
 *
 * Policy (docs/storage.md): steps are append-only. Never edit or reorder a step that has shipped — add a new
 * one. Tables are plain (not STRICT) so that older SQLite libraries, e.g. Python's, can read the file.
 */
export interface Migration {
  /** What the step does, for logs and error messages. */
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'datasets, pool chunks and items, questions, answers, model versions',
    sql: `
CREATE TABLE datasets (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1))
);

CREATE TABLE chunks (
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  upload_id TEXT NOT NULL,
  chunk_index INTEGER NOT NULL,
  total_items INTEGER NOT NULL,
  is_last INTEGER NOT NULL CHECK (is_last IN (0, 1)),
  payload BLOB NOT NULL,
  PRIMARY KEY (dataset_id, seq)
);

CREATE TABLE items (
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  row INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  item_index INTEGER,
  content_hash TEXT NOT NULL,
  PRIMARY KEY (dataset_id, row),
  UNIQUE (dataset_id, content_hash)
);

CREATE TABLE questions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  question_id TEXT NOT NULL,
  query_id TEXT NOT NULL,
  candidate_ids TEXT NOT NULL,
  candidate_extras TEXT NOT NULL,
  model_version INTEGER NOT NULL,
  strategy TEXT,
  PRIMARY KEY (dataset_id, question_id)
);

CREATE TABLE answers (
  seq INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  answer_id TEXT NOT NULL,
  question_id TEXT NOT NULL,
  relevant_ids TEXT NOT NULL,
  ignored INTEGER NOT NULL CHECK (ignored IN (0, 1)),
  annotator TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('label', 'import')),
  answered_at TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
  UNIQUE (dataset_id, answer_id),
  FOREIGN KEY (dataset_id, question_id) REFERENCES questions (dataset_id, question_id) ON DELETE CASCADE
);
CREATE INDEX answers_by_question ON answers (dataset_id, question_id);

CREATE TABLE model_versions (
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  loss REAL,
  answers INTEGER NOT NULL,
  time TEXT NOT NULL,
  train_ms REAL NOT NULL,
  path TEXT,
  PRIMARY KEY (dataset_id, version)
);
`
  },
  {
    description: 'classification: answers keep label names; machine labels in their own table',
    // Answers store label NAMES (JSON array), so reordering or extending the label list never changes them.
    // Machine labels are never joined into the answers: only human (or human-confirmed) labels train.
    sql: `
ALTER TABLE answers ADD COLUMN labels TEXT;
ALTER TABLE answers ADD COLUMN accepted_prediction INTEGER CHECK (accepted_prediction IN (0, 1));

CREATE TABLE machine_labels (
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  row INTEGER NOT NULL,
  labels TEXT NOT NULL,
  score REAL NOT NULL,
  model_version INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, row)
);
`
  }
];

/** The schema version this code writes: the number of migration steps. */
export const SCHEMA_VERSION = MIGRATIONS.length;
