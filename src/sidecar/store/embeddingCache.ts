import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeError, log } from '../log';

export const EMBEDDING_CACHE_FILE = 'embeddings.sqlite3';

/**
 * Pool embeddings of frozen encoders, keyed by (model id, SHA-256 of the item text), in a SQLite file beside
 * the label store (docs/storage.md). A cache, not a store: every failure (cannot open, read-only, full disk,
 * corrupt) is logged once and turns it into a cache that finds nothing and keeps nothing, so a session never
 * fails because of it; losing the last writes in a crash only costs re-embedding them.
 */
export interface EmbeddingCache {
  /** Cached vectors of `textHashes` under `modelId` (dim floats each); a missing or wrong-sized entry is absent. */
  get(modelId: string, textHashes: readonly Buffer[], dim: number): (Float32Array | undefined)[];
  /** Stores vectors (row-major, `textHashes.length × dim`); best effort. */
  put(modelId: string, textHashes: readonly Buffer[], vectors: Float32Array, dim: number): void;
  close(): void;
}

/** A cache that holds nothing (no data dir, or the file cannot be used). */
export const NO_EMBEDDING_CACHE: EmbeddingCache = {
  get: (_modelId, textHashes) => textHashes.map(() => undefined),
  put: () => undefined,
  close: () => undefined
};

interface Row {
  text_hash: Buffer;
  vector: Buffer;
}

/** The addon `npm run build:sidecar` copies next to sidecar.js (as the label store loads it). */
function bundledNativeBinding(): string | undefined {
  const candidate = join(__dirname, 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

/** SQLite's limit on bound parameters is 32766 in the bundled build; stay well under it. */
const LOOKUP_BATCH = 500;

class SqliteEmbeddingCache implements EmbeddingCache {
  private failed = false;
  private readonly insert: Database.Statement<[string, Buffer, Buffer]>;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string
  ) {
    this.insert = db.prepare('INSERT OR REPLACE INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)');
  }

  get(modelId: string, textHashes: readonly Buffer[], dim: number): (Float32Array | undefined)[] {
    const out: (Float32Array | undefined)[] = textHashes.map(() => undefined);
    if (this.failed || textHashes.length === 0) {
      return out;
    }
    try {
      const position = new Map<string, number[]>();
      textHashes.forEach((hash, i) => {
        const key = hash.toString('hex');
        position.set(key, [...(position.get(key) ?? []), i]);
      });
      for (let start = 0; start < textHashes.length; start += LOOKUP_BATCH) {
        const batch = textHashes.slice(start, start + LOOKUP_BATCH);
        const rows = this.db
          .prepare(
            `SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN (${batch.map(() => '?').join(',')})`
          )
          .all(modelId, ...batch) as Row[];
        for (const row of rows) {
          if (row.vector.byteLength !== dim * 4) {
            continue;
          }
          // Copy out of SQLite's buffer (its offset need not be 4-aligned).
          const vector = new Float32Array(dim);
          new Uint8Array(vector.buffer).set(row.vector);
          position.get(row.text_hash.toString('hex'))?.forEach(i => (out[i] = vector));
        }
      }
    } catch (err) {
      this.fail('read', err);
    }
    return out;
  }

  put(modelId: string, textHashes: readonly Buffer[], vectors: Float32Array, dim: number): void {
    if (this.failed || textHashes.length === 0) {
      return;
    }
    try {
      this.db.transaction(() => {
        textHashes.forEach((hash, i) => {
          const slice = vectors.subarray(i * dim, (i + 1) * dim);
          this.insert.run(modelId, hash, Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength));
        });
      })();
    } catch (err) {
      this.fail('write', err);
    }
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // Closing a cache that failed: nothing to keep.
    }
  }

  private fail(what: string, err: unknown): void {
    this.failed = true;
    log('warn', `embedding cache ${this.file}: ${what} failed (${describeError(err)}); embedding without cache`);
  }
}

/**
 * Opens (creating when missing) `<dir>/embeddings.sqlite3`; NO_EMBEDDING_CACHE, with a warning, if it cannot.
 */
export function openEmbeddingCache(dir: string, nativeBinding = bundledNativeBinding()): EmbeddingCache {
  const file = join(dir, EMBEDDING_CACHE_FILE);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file, { ...(nativeBinding === undefined ? {} : { nativeBinding }) });
    db.pragma('busy_timeout = 2000');
    db.pragma('journal_mode = WAL');
    // A cache: a crash may lose the last writes (they are re-embedded), never corrupt the file.
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS embeddings (model_id TEXT NOT NULL, text_hash BLOB NOT NULL, ' +
        'vector BLOB NOT NULL, PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID'
    );
    log('info', `embedding cache: ${file}`);
    return new SqliteEmbeddingCache(db, file);
  } catch (err) {
    log('warn', `the embedding cache ${file} cannot be used (${describeError(err)}); pools are embedded without it`);
    return NO_EMBEDDING_CACHE;
  }
}
