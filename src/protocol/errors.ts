import { Static, Type } from '@sinclair/typebox';

/**
 * JSON-RPC error codes. The -327xx/-326xx ones are JSON-RPC 2.0's own;
 * the -320xx ones are Tunelab's (the range JSON-RPC reserves for servers).
 */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  NotAuthenticated: -32001,
  MessageTooLarge: -32002,
  ProtocolVersionMismatch: -32003,
  SessionNotFound: -32004,
  QuestionNotFound: -32005,
  BadData: -32006,
  NotReady: -32007,
  /** Protocol 1.2: the label store cannot write (read-only or full disk) or its file is corrupt. */
  StoreUnavailable: -32008
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The `data` member of every Tunelab error response. */
export const ErrorData = Type.Object({
  /** Machine-readable kind, e.g. "invalid_params", "message_too_large". */
  kind: Type.String(),
  /** JSON pointer of the offending field, when validation failed. */
  path: Type.Optional(Type.String()),
  /** Row of the offending item in the user's data, when it applies. */
  row: Type.Optional(Type.Integer()),
  /** Size limit that was exceeded, in bytes. */
  limit: Type.Optional(Type.Integer()),
  /** Actual size, in bytes. */
  size: Type.Optional(Type.Integer())
});
export type ErrorData = Static<typeof ErrorData>;
