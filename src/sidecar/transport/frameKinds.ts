/**
 * Socket stream framing (docs/protocol.md, "Socket stream"): each frame is
 * `[u8 kind][u32 big-endian length][body]`.
 */
export const FrameKind = {
  /** One UTF-8 JSON-RPC message. */
  Text: 1,
  /** One binary message: `[u32 N][N bytes JSON-RPC][payload]` (src/protocol/frames.ts). */
  Binary: 2
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_HEADER_BYTES = 5;

export function isFrameKind(kind: number): kind is FrameKind {
  return kind === FrameKind.Text || kind === FrameKind.Binary;
}
