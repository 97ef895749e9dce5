import { encodeFrame } from './frameEncoder';
import { FrameDecoder, FrameDecoderListener, OversizedFrame } from './frameDecoder';
import { FrameKind } from './frameKinds';

type Event =
  | { type: 'frame'; kind: number; body: string }
  | { type: 'oversized'; frame: Omit<OversizedFrame, 'head'>; head: string }
  | { type: 'unknown'; kind: number };

function recordingDecoder(limits = { maxTextBytes: 100, maxBinaryBytes: 200 }): {
  decoder: FrameDecoder;
  events: Event[];
} {
  const events: Event[] = [];
  const listener: FrameDecoderListener = {
    onFrame: (kind, body) => events.push({ type: 'frame', kind, body: body.toString('utf8') }),
    onOversizedFrame: ({ head, ...frame }) => events.push({ type: 'oversized', frame, head: head.toString('utf8') }),
    onUnknownKind: kind => events.push({ type: 'unknown', kind })
  };
  return { decoder: new FrameDecoder(limits, listener), events };
}

const text = (body: string): Buffer => encodeFrame(FrameKind.Text, Buffer.from(body, 'utf8'));

describe('FrameDecoder', () => {
  it('decodes several frames delivered in one chunk', () => {
    const { decoder, events } = recordingDecoder();
    decoder.push(Buffer.concat([text('{"a":1}'), encodeFrame(FrameKind.Binary, Buffer.from('bin')), text('')]));
    expect(events).toEqual([
      { type: 'frame', kind: 1, body: '{"a":1}' },
      { type: 'frame', kind: 2, body: 'bin' },
      { type: 'frame', kind: 1, body: '' }
    ]);
  });

  it('reassembles frames split at every possible byte boundary', () => {
    const stream = Buffer.concat([text('hello'), text('world, longer body')]);
    for (let cut = 1; cut < stream.length; cut++) {
      const { decoder, events } = recordingDecoder();
      decoder.push(stream.subarray(0, cut));
      decoder.push(stream.subarray(cut));
      expect(events.map(e => (e.type === 'frame' ? e.body : e.type))).toEqual(['hello', 'world, longer body']);
    }
  });

  it('reassembles a stream fed one byte at a time', () => {
    const { decoder, events } = recordingDecoder();
    const stream = Buffer.concat([text('x'.repeat(50)), text('y')]);
    for (const byte of stream) {
      decoder.push(Buffer.from([byte]));
    }
    expect(events).toEqual([
      { type: 'frame', kind: 1, body: 'x'.repeat(50) },
      { type: 'frame', kind: 1, body: 'y' }
    ]);
  });

  it('reports an oversized text frame once with its head, skips its body across chunks, and resumes', () => {
    const { decoder, events } = recordingDecoder({ maxTextBytes: 10, maxBinaryBytes: 10 });
    const big = text('{"id":7,"method":"m"}' + ' '.repeat(2000));
    const stream = Buffer.concat([big, text('"ok"')]);
    for (let offset = 0; offset < stream.length; offset += 333) {
      decoder.push(stream.subarray(offset, offset + 333));
    }
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ type: 'oversized', frame: { kind: 1, size: big.length - 5, limit: 10 } });
    expect((events[0] as { head: string }).head.startsWith('{"id":7,')).toBe(true);
    expect(events[1]).toEqual({ type: 'frame', kind: 1, body: '"ok"' });
  });

  it('reports an oversized binary frame without waiting for its body', () => {
    const { decoder, events } = recordingDecoder({ maxTextBytes: 10, maxBinaryBytes: 10 });
    const big = encodeFrame(FrameKind.Binary, Buffer.alloc(5000));
    decoder.push(big.subarray(0, 5 + 600));
    expect(events).toEqual([
      { type: 'oversized', frame: { kind: 2, size: 5000, limit: 10 }, head: expect.any(String) }
    ]);
    decoder.push(Buffer.concat([big.subarray(605), text('next')]));
    expect(events[1]).toEqual({ type: 'frame', kind: 1, body: 'next' });
  });

  it('stops at an unknown frame kind and ignores everything after it', () => {
    const { decoder, events } = recordingDecoder();
    decoder.push(Buffer.concat([text('a'), Buffer.from([9, 0, 0, 0, 1, 0]), text('b')]));
    expect(events).toEqual([
      { type: 'frame', kind: 1, body: 'a' },
      { type: 'unknown', kind: 9 }
    ]);
    expect(decoder.stopped).toBe(true);
  });

  it('accepts frames exactly at the limit', () => {
    const { decoder, events } = recordingDecoder({ maxTextBytes: 4, maxBinaryBytes: 4 });
    decoder.push(text('1234'));
    expect(events).toEqual([{ type: 'frame', kind: 1, body: '1234' }]);
  });
});
