import type { Message } from 'vscode-jsonrpc/node';

export type JsonRpcId = string | number | null;

export type EnvelopeCheck = { ok: true; message: Message } | { ok: false; id: JsonRpcId; reason: string };

/**
 * Checks that a parsed value is one JSON-RPC 2.0 message (request,
 * notification or response) before vscode-jsonrpc sees it; vscode-jsonrpc
 * itself would only log malformed messages and never answer them.
 */
export function checkEnvelope(value: unknown): EnvelopeCheck {
  if (Array.isArray(value)) {
    return { ok: false, id: null, reason: 'batch requests are not supported' };
  }
  if (typeof value !== 'object' || value === null) {
    return { ok: false, id: null, reason: 'a JSON-RPC message must be a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const id = isValidId(record.id) ? record.id : null;
  if (record.jsonrpc !== '2.0') {
    return { ok: false, id, reason: 'missing "jsonrpc": "2.0"' };
  }
  if ('method' in record) {
    if (typeof record.method !== 'string' || record.method.length === 0) {
      return { ok: false, id, reason: '"method" must be a non-empty string' };
    }
    if ('id' in record && (record.id === null || !isValidId(record.id))) {
      return { ok: false, id: null, reason: '"id" must be a string or a number' };
    }
    if ('params' in record && (typeof record.params !== 'object' || record.params === null)) {
      return { ok: false, id, reason: '"params" must be an object or an array' };
    }
    return { ok: true, message: value as Message };
  }
  if (!('id' in record) || !(record.id === null || isValidId(record.id))) {
    return { ok: false, id: null, reason: 'a message without "method" must be a response with an "id"' };
  }
  if ('result' in record === 'error' in record) {
    return { ok: false, id, reason: 'a response must have exactly one of "result" and "error"' };
  }
  return { ok: true, message: value as Message };
}

function isValidId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}
