import { checkEnvelope } from './jsonRpcEnvelope';

describe('checkEnvelope', () => {
  it('accepts requests, notifications and responses', () => {
    expect(checkEnvelope({ jsonrpc: '2.0', id: 1, method: 'a', params: {} }).ok).toBe(true);
    expect(checkEnvelope({ jsonrpc: '2.0', method: 'a' }).ok).toBe(true);
    expect(checkEnvelope({ jsonrpc: '2.0', id: 'x', result: null }).ok).toBe(true);
    expect(checkEnvelope({ jsonrpc: '2.0', id: null, error: { code: 1, message: 'm' } }).ok).toBe(true);
  });

  it.each([
    ['a string', 'hello', null],
    ['a batch', [{ jsonrpc: '2.0', method: 'a' }], null],
    ['a wrong version', { jsonrpc: '1.0', id: 3, method: 'a' }, 3],
    ['a non-string method', { jsonrpc: '2.0', id: 4, method: 5 }, 4],
    ['a null request id', { jsonrpc: '2.0', id: null, method: 'a' }, null],
    ['scalar params', { jsonrpc: '2.0', id: 'p', method: 'a', params: 3 }, 'p'],
    ['a response with both result and error', { jsonrpc: '2.0', id: 6, result: 1, error: {} }, 6],
    ['neither method nor id', { jsonrpc: '2.0' }, null]
  ])('rejects %s, keeping the id when there is one', (_name, value, id) => {
    const checked = checkEnvelope(value);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? undefined : checked.id).toBe(id);
  });
});
