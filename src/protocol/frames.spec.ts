import { BinaryFrameError, decodeBinaryMessage, encodeBinaryMessage } from './frames';

describe('binary messages', () => {
  it('round-trips a JSON-RPC message and its payload', () => {
    const message = { jsonrpc: '2.0', id: 3, method: 'session/appendItems', params: { sessionId: 'ü', chunkIndex: 0 } };
    const payload = new Uint8Array([0, 255, 7, 42]);
    const decoded = decodeBinaryMessage(encodeBinaryMessage(message, payload));
    expect(decoded.message).toEqual(message);
    expect([...decoded.payload]).toEqual([0, 255, 7, 42]);
  });

  it('round-trips an empty payload and a payload inside a larger buffer', () => {
    const encoded = encodeBinaryMessage({ a: 1 }, new Uint8Array(0));
    const padded = new Uint8Array(encoded.length + 8);
    padded.set(encoded, 8);
    const decoded = decodeBinaryMessage(padded.subarray(8));
    expect(decoded.message).toEqual({ a: 1 });
    expect(decoded.payload.byteLength).toBe(0);
  });

  it('rejects truncated messages and non-JSON headers', () => {
    expect(() => decodeBinaryMessage(new Uint8Array([0, 0]))).toThrow(BinaryFrameError);
    expect(() => decodeBinaryMessage(new Uint8Array([0, 0, 0, 9, 123]))).toThrow(/declares a 9-byte JSON header/);
    expect(() => decodeBinaryMessage(new Uint8Array([0, 0, 0, 1, 0x7b]))).toThrow(/not UTF-8 JSON/);
  });
});
