import { Socket, connect } from 'node:net';
import { decodeBinaryMessage, encodeBinaryMessage } from '../../protocol/frames';
import { FrameDecoder } from '../transport/frameDecoder';
import { encodeFrame } from '../transport/frameEncoder';
import { FrameKind } from '../transport/frameKinds';

/** A JSON-RPC message as the test client sees it. */
export interface WireMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown> | null;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/**
 * Test helper: a raw framed-socket client that speaks the sidecar's wire
 * format by hand, so tests see exactly what goes over the socket.
 */
export class FrameClient {
  readonly received: WireMessage[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: Socket) {
    const decoder = new FrameDecoder(
      { maxTextBytes: 2 ** 31, maxBinaryBytes: 2 ** 31 },
      {
        onFrame: (kind, body) => {
          const message =
            kind === FrameKind.Text
              ? (JSON.parse(body.toString('utf8')) as WireMessage)
              : attach(decodeBinaryMessage(body).message as WireMessage, decodeBinaryMessage(body).payload);
          this.received.push(message);
          this.wake();
        },
        onOversizedFrame: () => undefined,
        onUnknownKind: kind => {
          throw new Error(`sidecar sent unknown frame kind ${kind}`);
        }
      }
    );
    socket.on('data', chunk => decoder.push(chunk));
    socket.on('error', () => undefined);
    this.closedPromise = new Promise(resolve =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      })
    );
  }

  static connect(path: string): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new FrameClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  sendText(text: string): void {
    this.sendRaw(encodeFrame(FrameKind.Text, Buffer.from(text, 'utf8')));
  }

  send(message: object, payload?: Uint8Array): void {
    if (payload === undefined) {
      this.sendText(JSON.stringify(message));
    } else {
      this.sendRaw(encodeFrame(FrameKind.Binary, encodeBinaryMessage(message, payload)));
    }
  }

  /** Sends a request and waits for its response. */
  async request(method: string, params?: object, payload?: Uint8Array, timeoutMs = 5000): Promise<WireMessage> {
    const id = this.nextId++;
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }, payload);
    return this.waitFor(
      message => message.id === id && message.method === undefined,
      `response to ${method}`,
      timeoutMs
    );
  }

  /** Waits for (and removes) the first received message matching `predicate`. */
  async waitFor(predicate: (message: WireMessage) => boolean, what: string, timeoutMs = 5000): Promise<WireMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(predicate);
      if (index >= 0) {
        return this.received.splice(index, 1)[0];
      }
      if (this.closed) {
        throw new Error(`connection closed while waiting for ${what}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received)}`);
      }
      await new Promise<void>(resolve => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  notification(method: string): Promise<WireMessage> {
    return this.waitFor(message => message.method === method && message.id === undefined, `notification ${method}`);
  }

  /** Resolves when the sidecar closes the connection; rejects after the timeout. */
  waitClosed(timeoutMs = 3000): Promise<void> {
    return Promise.race([
      this.closedPromise,
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error('connection still open')), timeoutMs).unref())
    ]);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(resolve => resolve());
  }
}

function attach(message: WireMessage, payload: Uint8Array): WireMessage {
  if (message.method !== undefined) {
    return { ...message, params: { ...message.params, payload } };
  }
  return { ...message, result: { ...message.result, payload } };
}
