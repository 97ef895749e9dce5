import { ErrorCodes, ErrorCode, ErrorData } from '../protocol/errors';

/**
 * An expected failure with a protocol error code. Domain code (sessions, data)
 * throws these without knowing about JSON-RPC; the RPC layer turns them into
 * error responses. Anything else thrown is an internal error.
 */
export class SidecarError extends Error {
  override name = 'SidecarError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: ErrorData
  ) {
    super(message);
  }
}

export function invalidParams(path: string, message: string): SidecarError {
  return new SidecarError(ErrorCodes.InvalidParams, `${path}: ${message}`, { kind: 'invalid_params', path });
}

export function badData(message: string, row?: number): SidecarError {
  return new SidecarError(
    ErrorCodes.BadData,
    message,
    row === undefined ? { kind: 'bad_data' } : { kind: 'bad_data', row }
  );
}

export function sessionNotFound(sessionId: string): SidecarError {
  return new SidecarError(ErrorCodes.SessionNotFound, `no live session with id '${sessionId}'`, {
    kind: 'session_not_found'
  });
}

export function questionNotFound(message: string): SidecarError {
  return new SidecarError(ErrorCodes.QuestionNotFound, message, { kind: 'question_not_found' });
}

export function parseError(message: string): SidecarError {
  return new SidecarError(ErrorCodes.ParseError, message, { kind: 'parse_error' });
}

export function invalidRequest(message: string, kind = 'invalid_request'): SidecarError {
  return new SidecarError(ErrorCodes.InvalidRequest, message, { kind });
}

export function messageTooLarge(limit: number, size: number): SidecarError {
  return new SidecarError(ErrorCodes.MessageTooLarge, `message of ${size} bytes exceeds the limit of ${limit} bytes`, {
    kind: 'message_too_large',
    limit,
    size
  });
}

export function notAuthenticated(message: string): SidecarError {
  return new SidecarError(ErrorCodes.NotAuthenticated, message, { kind: 'not_authenticated' });
}

export function methodNotFound(method: string): SidecarError {
  return new SidecarError(ErrorCodes.MethodNotFound, `unknown method '${method}'`, { kind: 'method_not_found' });
}

export function internalError(message: string): SidecarError {
  return new SidecarError(ErrorCodes.InternalError, message, { kind: 'internal_error' });
}

export function protocolVersionMismatch(message: string): SidecarError {
  return new SidecarError(ErrorCodes.ProtocolVersionMismatch, message, { kind: 'protocol_version_mismatch' });
}

/** The label store cannot be opened or written (read-only file, full disk, I/O error, too new a schema). */
export function storeUnavailable(message: string): SidecarError {
  return new SidecarError(ErrorCodes.StoreUnavailable, message, { kind: 'store_unavailable' });
}

/** The label store's file is damaged or not a database. */
export function storeCorrupt(message: string): SidecarError {
  return new SidecarError(ErrorCodes.StoreUnavailable, message, { kind: 'store_corrupt' });
}

/** An answer id already stored for the dataset (sessions check `hasAnswer` first, so this is a caller bug). */
export function duplicateAnswer(datasetId: string, answerId: string): SidecarError {
  return new SidecarError(
    ErrorCodes.InvalidRequest,
    `answer '${answerId}' is already stored for dataset '${datasetId}'`,
    { kind: 'duplicate_answer' }
  );
}
