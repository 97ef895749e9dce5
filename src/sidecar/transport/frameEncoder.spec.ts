import { decodeBinaryMessage } from '../../protocol/frames';
import { encodeMessageFrame } from './frameEncoder';
import { FrameKind } from './frameKinds';

describe('encodeMessageFrame', () => {
  it('sends a message without payload as a text frame', () => {
    const frame = encodeMessageFrame({ jsonrpc: '2.0', id: 1, result: { time: 3 } });
    expect(frame[0]).toBe(FrameKind.Text);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect(JSON.parse(frame.subarray(5).toString('utf8'))).toEqual({ jsonrpc: '2.0', id: 1, result: { time: 3 } });
  });

  it('moves a result payload out of the JSON into a binary frame', () => {
    const payload = new Uint8Array([1, 2, 3]);
    const frame = encodeMessageFrame({ jsonrpc: '2.0', id: 'a', result: { n: 1, payload } });
    expect(frame[0]).toBe(FrameKind.Binary);
    const decoded = decodeBinaryMessage(frame.subarray(5));
    expect(decoded.message).toEqual({ jsonrpc: '2.0', id: 'a', result: { n: 1 } });
    expect([...decoded.payload]).toEqual([1, 2, 3]);
  });

  it('moves a notification payload out of params', () => {
    const frame = encodeMessageFrame({ jsonrpc: '2.0', method: 'm', params: { payload: Buffer.from('xy') } });
    expect(frame[0]).toBe(FrameKind.Binary);
    const decoded = decodeBinaryMessage(frame.subarray(5));
    expect(decoded.message).toEqual({ jsonrpc: '2.0', method: 'm', params: {} });
    expect(Buffer.from(decoded.payload).toString()).toBe('xy');
  });
});
