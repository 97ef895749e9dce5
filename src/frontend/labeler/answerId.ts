import { UUID } from '@lumino/coreutils';

/**
 * A fresh client-chosen answer id (`question/answer`, `machineLabel/confirm|reject`): resending it is a no-op.
 * `crypto.randomUUID` exists only in secure contexts; JupyterLab may be served over plain http.
 */
export function newAnswerId(): string {
  return typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : UUID.uuid4();
}
