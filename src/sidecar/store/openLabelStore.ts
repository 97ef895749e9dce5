import { describeError, log } from '../log';
import { prepareStorePaths } from './dataDir';
import type { LabelStore } from './labelStore';
import { SqliteLabelStore } from './sqliteLabelStore';

/**
 * The sidecar's label store, opened at start. When it cannot be opened (read-only or full disk, a corrupt
 * file) the sidecar still starts: every store call retries the open and, while it fails, throws that
 * `store_unavailable`/`store_corrupt` error, so clients see why nothing can be labeled and nothing is
 * acknowledged unstored. Fixing the cause (freeing space, moving a corrupt file aside) needs no restart.
 */
export function openLabelStore(dataDir?: string): LabelStore {
  let store: SqliteLabelStore | undefined;
  const current = (): SqliteLabelStore => {
    if (store === undefined) {
      const paths = prepareStorePaths(dataDir);
      store = SqliteLabelStore.open({ file: paths.dbFile, modelDir: paths.modelDir });
      log('info', `label store: ${paths.dbFile}`);
    }
    return store;
  };
  try {
    current();
  } catch (err) {
    log('error', `the label store cannot be opened: ${describeError(err)}`);
  }
  return new Proxy({} as LabelStore, {
    get(_target, key) {
      if (key === 'close') {
        return () => store?.close();
      }
      const opened = current();
      const value: unknown = Reflect.get(opened, key, opened);
      return typeof value === 'function' ? value.bind(opened) : value;
    }
  });
}
