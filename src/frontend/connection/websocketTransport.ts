/**
 * vscode-jsonrpc reader and writer over a browser WebSocket: a text frame is
 * one JSON-RPC message, a binary frame one binary message (src/protocol/frames.ts)
 * whose payload is attached as `params.payload` or `result.payload`.
 */
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  DataCallback,
  Disposable,
  Message,
  MessageReader,
  MessageWriter
} from 'vscode-jsonrpc/browser';
import { decodeBinaryMessage, encodeBinaryMessage } from '../../protocol';

export class WebSocketMessageReader extends AbstractMessageReader implements MessageReader {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('close', this.onSocketClose);
    socket.addEventListener('error', this.onSocketError);
  }

  listen(callback: DataCallback): Disposable {
    const onMessage = (event: MessageEvent): void => {
      try {
        callback(decodeFrame(event.data));
      } catch (error) {
        this.fireError(error);
      }
    };
    this.socket.addEventListener('message', onMessage);
    return Disposable.create(() => this.socket.removeEventListener('message', onMessage));
  }

  override dispose(): void {
    this.socket.removeEventListener('close', this.onSocketClose);
    this.socket.removeEventListener('error', this.onSocketError);
    super.dispose();
  }

  private readonly onSocketClose = (): void => this.fireClose();
  private readonly onSocketError = (): void => this.fireError(new Error('websocket error'));
}

export class WebSocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly socket: WebSocket) {
    super();
  }

  async write(message: Message): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) {
      const error = new Error('the websocket to the Tunelab sidecar is not open');
      this.fireError(error, message);
      throw error;
    }
    this.socket.send(encodeFrame(message));
  }

  end(): void {
    // The connection owns the socket and closes it; nothing is buffered here.
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON-RPC message from a text or binary websocket frame. */
function decodeFrame(data: unknown): Message {
  if (typeof data === 'string') {
    const message: unknown = JSON.parse(data);
    if (!isObject(message)) {
      throw new Error('text frame is not a JSON-RPC message object');
    }
    return message as unknown as Message;
  }
  if (data instanceof ArrayBuffer) {
    const { message, payload } = decodeBinaryMessage(new Uint8Array(data));
    if (!isObject(message)) {
      throw new Error('binary frame header is not a JSON-RPC message object');
    }
    const holder = 'method' in message ? 'params' : 'result';
    const target = message[holder];
    message[holder] = { ...(isObject(target) ? target : {}), payload };
    return message as unknown as Message;
  }
  throw new Error(`unexpected websocket frame of type ${typeof data}`);
}

/** A text frame, or a binary frame when the params carry a `payload` of bytes. */
function encodeFrame(message: Message): string | Uint8Array {
  const json = message as unknown as Json;
  for (const holder of ['params', 'result'] as const) {
    const part = json[holder];
    if (isObject(part) && part.payload instanceof Uint8Array) {
      const { payload, ...rest } = part;
      return encodeBinaryMessage({ ...json, [holder]: rest }, payload as Uint8Array);
    }
  }
  return JSON.stringify(message);
}
