import { ResponseError } from 'vscode-jsonrpc/browser';
import { ErrorCodes } from '../../protocol';

/** A failed request to the sidecar, with the JSON-RPC error code and Tunelab's error kind. */
export class SidecarError extends Error {
  override name = 'SidecarError';

  constructor(
    message: string,
    /** JSON-RPC error code (see `ErrorCodes`), or `null` when no response came. */
    readonly code: number | null = null,
    /** `data.kind` of the error response, or a local kind such as "connection_lost". */
    readonly kind: string = 'connection',
    /** `data.path` of an InvalidParams response: JSON pointer of the offending field. */
    readonly path: string | null = null
  ) {
    super(message);
  }

  /** The response error of `method` as a `SidecarError` naming the method. */
  static fromResponse(method: string, error: ResponseError<unknown>): SidecarError {
    const data = error.data as { kind?: unknown; path?: unknown } | undefined;
    const kind = typeof data?.kind === 'string' ? data.kind : 'error';
    const where = typeof data?.path === 'string' ? ` (at ${data.path})` : '';
    return new SidecarError(
      `${method}: ${error.message}${where}`,
      error.code,
      kind,
      typeof data?.path === 'string' ? data.path : null
    );
  }

  /** Whether the sidecar no longer knows the session or question the request named. */
  get isNotFound(): boolean {
    return this.code === ErrorCodes.SessionNotFound || this.code === ErrorCodes.QuestionNotFound;
  }
}

/** A readable message for anything a request can reject with. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
