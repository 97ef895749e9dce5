import { encodeBinaryMessage } from '../../protocol/frames';
import { FRAME_HEADER_BYTES, FrameKind } from './frameKinds';

/** Wraps a body into one socket frame. */
export function encodeFrame(kind: FrameKind, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.byteLength);
  frame.writeUInt8(kind, 0);
  frame.writeUInt32BE(body.byteLength, 1);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Encodes a JSON-RPC message as a text frame, or as a binary frame when its
 * `params.payload` (requests, notifications) or `result.payload` (responses)
 * is a Uint8Array; the payload then travels raw, outside the JSON.
 */
export function encodeMessageFrame(message: object): Buffer {
  const split = splitPayload(message);
  if (split === undefined) {
    return encodeFrame(FrameKind.Text, Buffer.from(JSON.stringify(message), 'utf8'));
  }
  return encodeFrame(FrameKind.Binary, encodeBinaryMessage(split.message, split.payload));
}

function splitPayload(message: object): { message: object; payload: Uint8Array } | undefined {
  for (const member of ['params', 'result'] as const) {
    if (!(member in message)) {
      continue;
    }
    const holder: unknown = (message as Record<string, unknown>)[member];
    if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) {
      continue;
    }
    const { payload, ...rest } = holder as Record<string, unknown>;
    if (payload instanceof Uint8Array) {
      return { message: { ...message, [member]: rest }, payload };
    }
  }
  return undefined;
}
