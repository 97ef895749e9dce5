/**
 * A WebSocket stand-in for unit tests: records what the client sends and
 * lets the test open, answer and drop the connection.
 */
import { decodeBinaryMessage, encodeBinaryMessage } from '../../protocol';

type Listener = (event: unknown) => void;

export interface IJsonRpcMessage {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** How the fake server answers a request; a `payload` makes the response a binary message. */
export type FakeReply =
  { result: unknown; payload?: Uint8Array } | { error: { code: number; message: string; data?: unknown } };

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  /** Answers each request the client sends; return `undefined` to leave it unanswered. */
  static respond: (message: IJsonRpcMessage) => FakeReply | undefined = () => undefined;

  static reset(): void {
    FakeWebSocket.instances = [];
    FakeWebSocket.respond = () => undefined;
  }

  static get latest(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 0;
  binaryType = 'blob';
  readonly sent: IJsonRpcMessage[] = [];

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    const listeners = this._listeners.get(type) ?? new Set<Listener>();
    listeners.add(listener);
    this._listeners.set(type, listeners);
  }

  removeEventListener(type: string, listener: Listener): void {
    this._listeners.get(type)?.delete(listener);
  }

  /** Text frames are JSON; binary frames are decoded with their payload put back in `params.payload`. */
  send(data: string | Uint8Array): void {
    const message = typeof data === 'string' ? (JSON.parse(data) as IJsonRpcMessage) : decodeBinaryFrame(data);
    this.sent.push(message);
    if (message.id === undefined) {
      return;
    }
    const reply = FakeWebSocket.respond(message);
    if (reply === undefined) {
      return;
    }
    setTimeout(() => {
      if ('payload' in reply && reply.payload) {
        const { payload, ...rest } = reply;
        this.receiveBinary({ jsonrpc: '2.0', id: message.id, ...rest }, payload);
      } else {
        this.receive({ jsonrpc: '2.0', id: message.id, ...reply });
      }
    }, 0);
  }

  close(): void {
    this.drop(1000);
  }

  /** The server accepted the connection. */
  open(): void {
    this.readyState = this.OPEN;
    this._emit('open', {});
  }

  receive(message: IJsonRpcMessage): void {
    this._emit('message', { data: JSON.stringify(message) });
  }

  /** A binary message, as the relay forwards it: one binary websocket frame (an ArrayBuffer). */
  receiveBinary(message: IJsonRpcMessage, payload: Uint8Array): void {
    this._emit('message', { data: encodeBinaryMessage(message, payload).buffer });
  }

  /** The connection ended (the server went away, or `close()` was called). */
  drop(code = 1006): void {
    if (this.readyState === this.CLOSED) {
      return;
    }
    this.readyState = this.CLOSED;
    this._emit('close', { code, reason: '' });
  }

  /** Methods of the messages sent so far. */
  get methods(): string[] {
    return this.sent.map(m => m.method ?? '');
  }

  private _emit(type: string, event: unknown): void {
    this._listeners.get(type)?.forEach(listener => listener(event));
  }

  private readonly _listeners = new Map<string, Set<Listener>>();
}

function decodeBinaryFrame(data: Uint8Array): IJsonRpcMessage {
  const { message, payload } = decodeBinaryMessage(data);
  const decoded = message as IJsonRpcMessage;
  return { ...decoded, params: { ...decoded.params, payload } };
}
