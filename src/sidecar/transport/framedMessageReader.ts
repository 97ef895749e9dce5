import type { Socket } from 'node:net';
import { AbstractMessageReader, DataCallback, Disposable, Message, MessageReader } from 'vscode-jsonrpc/node';
import { BinaryFrameError, decodeBinaryMessage } from '../../protocol/frames';
import { SidecarError, invalidRequest, messageTooLarge, parseError } from '../errors';
import { FrameDecoder, FrameSizeLimits, OversizedFrame } from './frameDecoder';
import { FrameKind } from './frameKinds';
import { JsonRpcId, checkEnvelope } from './jsonRpcEnvelope';
import { sniffRequestId } from './requestIdSniffer';

/** Decides which well-formed messages reach vscode-jsonrpc (the handshake lives behind this). */
export interface InboundGate {
  /** While true (before the handshake), every protocol error also closes the connection. */
  readonly strict: boolean;
  /** Returns the error to reply with, after which the connection is closed, or undefined to admit. */
  admit(message: Message): SidecarError | undefined;
}

/** Where the reader sends its own error replies, for messages vscode-jsonrpc never sees. */
export interface InboundRejections {
  reject(id: JsonRpcId, error: SidecarError, closeConnection: boolean): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads JSON-RPC messages from the framed socket stream. Parsing, envelope
 * checks, size limits and the handshake gate happen here, so vscode-jsonrpc
 * only ever sees valid, admitted messages.
 */
export class FramedMessageReader extends AbstractMessageReader implements MessageReader {
  private readonly decoder: FrameDecoder;
  private callback: DataCallback | undefined;

  constructor(
    private readonly socket: Socket,
    limits: FrameSizeLimits,
    private readonly gate: InboundGate,
    private readonly rejections: InboundRejections
  ) {
    super();
    this.decoder = new FrameDecoder(limits, {
      onFrame: (kind, body) => this.onFrame(kind, body),
      onOversizedFrame: frame => this.onOversizedFrame(frame),
      onUnknownKind: kind => this.reject(null, invalidRequest(`unknown frame kind ${kind}`, 'unknown_frame_kind'), true)
    });
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer): void => this.decoder.push(chunk);
    const onClose = (): void => this.fireClose();
    this.socket.on('data', onData);
    this.socket.on('close', onClose);
    return Disposable.create(() => {
      this.callback = undefined;
      this.socket.off('data', onData);
      this.socket.off('close', onClose);
    });
  }

  /** Ignores everything the peer sends from now on (the connection is closing). */
  stop(): void {
    this.decoder.stop();
  }

  private onFrame(kind: FrameKind, body: Buffer): void {
    if (kind === FrameKind.Text) {
      let value: unknown;
      try {
        value = JSON.parse(utf8.decode(body));
      } catch {
        // JSON.parse's message quotes the input, which may hold the secret: never echo or log it.
        this.reject(null, parseError('message is not valid UTF-8 JSON'));
        return;
      }
      this.deliver(value, undefined);
      return;
    }
    let decoded;
    try {
      decoded = decodeBinaryMessage(body);
    } catch (err) {
      // Keep only the reason before any quoted parser detail (which may echo the secret).
      const reason = err instanceof BinaryFrameError ? err.message.split(':')[0] : 'binary message is malformed';
      this.reject(null, parseError(reason));
      return;
    }
    this.deliver(decoded.message, decoded.payload);
  }

  private deliver(value: unknown, payload: Uint8Array | undefined): void {
    const checked = checkEnvelope(value);
    if (!checked.ok) {
      this.reject(checked.id, invalidRequest(checked.reason));
      return;
    }
    let message = checked.message;
    if (payload !== undefined) {
      const attached = attachPayload(message, payload);
      if (attached === undefined) {
        this.reject(
          idOf(message),
          invalidRequest('a binary message needs object "params" (or "result") to attach its payload to')
        );
        return;
      }
      message = attached;
    }
    const refusal = this.gate.admit(message);
    if (refusal !== undefined) {
      this.reject(idOf(message), refusal, true);
      return;
    }
    this.callback?.(message);
  }

  private onOversizedFrame(frame: OversizedFrame): void {
    const head = frame.kind === FrameKind.Binary ? frame.head.subarray(4) : frame.head;
    this.reject(sniffRequestId(head.toString('utf8')), messageTooLarge(frame.limit, frame.size));
  }

  private reject(id: JsonRpcId, error: SidecarError, close = false): void {
    const closeConnection = close || this.gate.strict;
    if (closeConnection) {
      this.decoder.stop();
    }
    this.rejections.reject(id, error, closeConnection);
  }
}

function idOf(message: Message): JsonRpcId {
  const id: unknown = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** Puts the payload at `params.payload` (requests, notifications) or `result.payload` (responses). */
function attachPayload(message: Message, payload: Uint8Array): Message | undefined {
  const record = message as unknown as Record<string, unknown>;
  const member = 'method' in record ? 'params' : 'result';
  const holder = record[member] ?? (member === 'params' ? {} : undefined);
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) {
    return undefined;
  }
  return { ...record, [member]: { ...holder, payload } } as unknown as Message;
}
