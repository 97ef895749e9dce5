import { SidecarError } from './sidecarError';

/**
 * The bytes of a binary response. The websocket transport attaches them as `result.payload`, which
 * the protocol's result schemas leave out (they describe the JSON header), so this checks they came.
 */
export function resultPayload(result: object, method: string): Uint8Array {
  const payload: unknown = (result as { payload?: unknown }).payload;
  if (payload instanceof Uint8Array) {
    return payload;
  }
  throw new SidecarError(
    `${method}: the response carries no file (a binary message was expected)`,
    null,
    'invalid_result'
  );
}
