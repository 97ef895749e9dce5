/**
 * Binary messages: one websocket binary frame (or one binary socket frame)
 * carries a JSON-RPC message plus a raw payload, so bulk data (Arrow IPC,
 * vectors, images) never goes through JSON.
 *
 * Layout: [u32 big-endian N][N bytes UTF-8 JSON-RPC message][payload bytes]
 *
 * The decoded message gets the payload attached as `params.payload`
 * (requests, notifications) or `result.payload` (responses).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface DecodedBinaryMessage {
  /** The parsed JSON-RPC message (without payload attached). */
  message: unknown;
  payload: Uint8Array;
}

/** Encodes a JSON-RPC message and a payload into one binary message. */
export function encodeBinaryMessage(message: unknown, payload: Uint8Array): Uint8Array {
  const header = encoder.encode(JSON.stringify(message));
  const out = new Uint8Array(4 + header.byteLength + payload.byteLength);
  new DataView(out.buffer).setUint32(0, header.byteLength, false);
  out.set(header, 4);
  out.set(payload, 4 + header.byteLength);
  return out;
}

/**
 * Decodes a binary message. Throws `BinaryFrameError` with a specific
 * reason when the frame is truncated or its header is not JSON.
 */
export function decodeBinaryMessage(bytes: Uint8Array): DecodedBinaryMessage {
  if (bytes.byteLength < 4) {
    throw new BinaryFrameError(`binary message of ${bytes.byteLength} bytes is shorter than its 4-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, false);
  if (headerLength > bytes.byteLength - 4) {
    throw new BinaryFrameError(
      `binary message declares a ${headerLength}-byte JSON header but only ${bytes.byteLength - 4} bytes follow`
    );
  }
  let message: unknown;
  try {
    message = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headerLength)));
  } catch (err) {
    throw new BinaryFrameError(`binary message header is not UTF-8 JSON: ${(err as Error).message}`);
  }
  return { message, payload: bytes.subarray(4 + headerLength) };
}

export class BinaryFrameError extends Error {
  override name = 'BinaryFrameError';
}
