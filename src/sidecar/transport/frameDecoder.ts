import { FRAME_HEADER_BYTES, FrameKind, isFrameKind } from './frameKinds';

export interface FrameSizeLimits {
  /** Largest accepted body of a text frame, in bytes. */
  readonly maxTextBytes: number;
  /** Largest accepted body of a binary frame, in bytes. */
  readonly maxBinaryBytes: number;
}

/** A frame whose declared length exceeds its limit; its body is skipped, not buffered. */
export interface OversizedFrame {
  kind: FrameKind;
  size: number;
  limit: number;
  /** The first bytes of the body, so the caller can guess the request id. */
  head: Buffer;
}

export interface FrameDecoderListener {
  onFrame(kind: FrameKind, body: Buffer): void;
  onOversizedFrame(frame: OversizedFrame): void;
  /** The stream cannot be resynchronised after this; the decoder stops. */
  onUnknownKind(kind: number): void;
}

/** Bytes of an oversized frame kept to find its `id`; vscode-jsonrpc and json.dumps put it near the start. */
export const OVERSIZED_HEAD_BYTES = 512;

type DecoderState =
  | { phase: 'header' }
  | { phase: 'body'; kind: FrameKind; length: number; received: number; parts: Buffer[] }
  | {
      phase: 'skip';
      frame: Omit<OversizedFrame, 'head'>;
      remaining: number;
      headWanted: number;
      headParts: Buffer[];
      headBytes: number;
      reported: boolean;
    }
  | { phase: 'stopped' };

/**
 * Incremental decoder for the socket frame stream. Accepts arbitrary chunk
 * boundaries (partial headers, many frames per chunk) and never buffers more
 * than one accepted frame's body.
 */
export class FrameDecoder {
  private state: DecoderState = { phase: 'header' };
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFill = 0;

  constructor(
    private readonly limits: FrameSizeLimits,
    private readonly listener: FrameDecoderListener
  ) {}

  /** Stops decoding; later chunks are ignored (used when the connection is being closed). */
  stop(): void {
    this.state = { phase: 'stopped' };
  }

  get stopped(): boolean {
    return this.state.phase === 'stopped';
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      switch (state.phase) {
        case 'stopped':
          return;
        case 'header':
          offset = this.readHeader(chunk, offset);
          break;
        case 'body':
          offset = this.readBody(state, chunk, offset);
          break;
        case 'skip':
          offset = this.skipBody(state, chunk, offset);
          break;
      }
    }
  }

  private readHeader(chunk: Buffer, offset: number): number {
    const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - offset);
    chunk.copy(this.header, this.headerFill, offset, offset + take);
    this.headerFill += take;
    if (this.headerFill === FRAME_HEADER_BYTES) {
      this.headerFill = 0;
      this.startFrame(this.header.readUInt8(0), this.header.readUInt32BE(1));
    }
    return offset + take;
  }

  private startFrame(kind: number, length: number): void {
    if (!isFrameKind(kind)) {
      this.stop();
      this.listener.onUnknownKind(kind);
      return;
    }
    const limit = kind === FrameKind.Text ? this.limits.maxTextBytes : this.limits.maxBinaryBytes;
    if (length > limit) {
      const headWanted = Math.min(length, OVERSIZED_HEAD_BYTES);
      const skip: DecoderState = {
        phase: 'skip',
        frame: { kind, size: length, limit },
        remaining: length,
        headWanted,
        headParts: [],
        headBytes: 0,
        reported: false
      };
      this.state = skip;
      this.reportOversizedWhenHeadComplete(skip);
      return;
    }
    if (length === 0) {
      this.listener.onFrame(kind, Buffer.alloc(0));
      return;
    }
    this.state = { phase: 'body', kind, length, received: 0, parts: [] };
  }

  private readBody(state: Extract<DecoderState, { phase: 'body' }>, chunk: Buffer, offset: number): number {
    const take = Math.min(state.length - state.received, chunk.length - offset);
    state.parts.push(chunk.subarray(offset, offset + take));
    state.received += take;
    if (state.received === state.length) {
      const body = state.parts.length === 1 ? state.parts[0] : Buffer.concat(state.parts, state.length);
      this.state = { phase: 'header' };
      this.listener.onFrame(state.kind, body);
    }
    return offset + take;
  }

  private skipBody(state: Extract<DecoderState, { phase: 'skip' }>, chunk: Buffer, offset: number): number {
    const take = Math.min(state.remaining, chunk.length - offset);
    if (state.headBytes < state.headWanted) {
      const headTake = Math.min(state.headWanted - state.headBytes, take);
      // Copy: keeping a subarray would pin the whole (possibly large) chunk.
      state.headParts.push(Buffer.from(chunk.subarray(offset, offset + headTake)));
      state.headBytes += headTake;
    }
    state.remaining -= take;
    if (state.remaining === 0) {
      this.state = { phase: 'header' };
    }
    this.reportOversizedWhenHeadComplete(state);
    return offset + take;
  }

  private reportOversizedWhenHeadComplete(state: Extract<DecoderState, { phase: 'skip' }>): void {
    if (state.reported || state.headBytes < state.headWanted) {
      return;
    }
    state.reported = true;
    this.listener.onOversizedFrame({ ...state.frame, head: Buffer.concat(state.headParts, state.headBytes) });
  }
}
