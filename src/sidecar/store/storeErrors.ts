import { SidecarError, storeCorrupt, storeUnavailable } from '../errors';
import { describeError } from '../log';

/**
 * The `code` of an error object. Recognized by shape, not `instanceof`: the check must survive bundling, and
 * the native addon keeps the error class of the first JS realm that loaded it (jest runs each file in its own).
 */
function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** better-sqlite3's SqliteError code (SQLITE_...). */
function sqliteCode(err: unknown): string | undefined {
  const code = errorCode(err);
  return code?.startsWith('SQLITE_') ? code : undefined;
}

/** The primary result code of an extended one: SQLITE_IOERR_WRITE → SQLITE_IOERR. */
function primaryCode(code: string): string {
  return code.split('_').slice(0, 2).join('_');
}

/** Node's fs error code (EACCES, ENOSPC, ...), if any. */
function fsCode(err: unknown): string | undefined {
  const code = errorCode(err);
  return code !== undefined && /^E[A-Z]+$/.test(code) ? code : undefined;
}

export function corruptMessage(file: string, detail: string): string {
  return (
    `the label store at ${file} is corrupt (${detail}). It holds every Tunelab dataset on this machine; label files ` +
    `you exported are not affected. To recover, stop Jupyter and move ${file} and its -wal and -shm files aside: ` +
    'Tunelab then starts an empty store, and the moved copy can be salvaged with `sqlite3 <copy> .recover`.'
  );
}

/**
 * Turns an SQLite or fs failure into the store's SidecarError kinds: `store_unavailable` when the store cannot
 * be written or opened for now (read-only, full disk, I/O error, locked), `store_corrupt` when its file is damaged.
 * Anything else (constraint violations, programming errors) is returned unchanged.
 */
export function toStoreError(err: unknown, file: string): unknown {
  if (err instanceof SidecarError) {
    return err;
  }
  const detail = describeError(err);
  const code = sqliteCode(err);
  if (code !== undefined) {
    switch (primaryCode(code)) {
      case 'SQLITE_READONLY':
        return storeUnavailable(`the label store at ${file} is read-only (${code}); changes cannot be saved`);
      case 'SQLITE_FULL':
        return storeUnavailable(`the disk holding ${file} is full; the last change was not saved (${detail})`);
      case 'SQLITE_CANTOPEN':
      case 'SQLITE_PERM':
        return storeUnavailable(`cannot open the label store at ${file} (${code}: ${detail}); check its permissions`);
      case 'SQLITE_IOERR':
        return storeUnavailable(`I/O error on the label store at ${file} (${code}: ${detail})`);
      case 'SQLITE_BUSY':
      case 'SQLITE_LOCKED':
        return storeUnavailable(`the label store at ${file} is locked by another process (${code})`);
      case 'SQLITE_CORRUPT':
      case 'SQLITE_NOTADB':
        return storeCorrupt(corruptMessage(file, detail));
      default:
        return err;
    }
  }
  switch (fsCode(err)) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return storeUnavailable(`the label store at ${file} cannot be written (${detail})`);
    case 'ENOSPC':
    case 'EDQUOT':
      return storeUnavailable(`the disk holding ${file} is full (${detail})`);
    default:
      return err;
  }
}
