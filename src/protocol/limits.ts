/**
 * Size limits enforced by the sidecar on every inbound message. Larger
 * messages get a `MessageTooLarge` error and the connection stays open.
 */
export const LIMITS = {
  /** A JSON-RPC text message (one websocket text frame). */
  maxTextMessageBytes: 1024 * 1024,
  /** A binary message: JSON header plus payload (Arrow IPC chunk, vectors, images). */
  maxBinaryMessageBytes: 64 * 1024 * 1024,
  /** Items per `session/appendItems` chunk; bigger pools are sent in several chunks. */
  maxItemsPerChunk: 50_000
} as const;
