import type { Socket } from 'node:net';
import {
  Logger,
  MessageConnection,
  ResponseError,
  ResponseMessage,
  createMessageConnection
} from 'vscode-jsonrpc/node';
import {
  NotificationName,
  NotificationParamsOf,
  Notifications,
  ParamsOf,
  RequestName,
  Requests,
  ResultOf
} from '../../protocol/messages';
import { validate } from '../../protocol/validate';
import { SidecarError, internalError, invalidParams, methodNotFound, notAuthenticated } from '../errors';
import { describeError, log } from '../log';
import { FrameSizeLimits } from '../transport/frameDecoder';
import { FramedMessageReader } from '../transport/framedMessageReader';
import { FramedMessageWriter } from '../transport/framedMessageWriter';
import { JsonRpcId } from '../transport/jsonRpcEnvelope';
import { ClientIdentity, Handshake } from './handshake';

export type RequestHandler<K extends RequestName> = (params: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>;

export interface ClientConnectionOptions {
  secretDigest: Buffer;
  limits: FrameSizeLimits;
  /** A connection that has not said hello by then is closed. */
  helloTimeoutMs: number;
}

/** How long a closing connection may take to flush its last replies before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

let nextConnectionNumber = 1;

/**
 * One client (relay or kernel) on one socket: framing, handshake, and the
 * vscode-jsonrpc connection whose requests go through `handle`, the single
 * place where params are validated and errors become JSON-RPC errors.
 */
export class ClientConnection {
  readonly id = `connection-${nextConnectionNumber++}`;
  private readonly handshake: Handshake;
  private readonly reader: FramedMessageReader;
  private readonly writer: FramedMessageWriter;
  private readonly rpc: MessageConnection;
  private readonly handlers = new Map<string, (params: unknown) => Promise<unknown>>();
  private readonly closeListeners: (() => void)[] = [];
  private closing = false;
  private closed = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    options: ClientConnectionOptions
  ) {
    this.handshake = new Handshake(options.secretDigest);
    this.writer = new FramedMessageWriter(socket);
    this.reader = new FramedMessageReader(socket, options.limits, this.handshake, {
      reject: (id, error, closeConnection) => this.reject(id, error, closeConnection)
    });
    this.rpc = createMessageConnection(this.reader, this.writer, rpcLogger(this.id));
    this.rpc.onRequest((method, params) => this.dispatch(method, params));

    socket.on('error', err => log('debug', `${this.id}: socket error: ${err.message}`));
    socket.on('close', () => this.onSocketClosed());
    this.helloTimer = setTimeout(() => {
      if (this.handshake.identity === undefined) {
        this.reject(null, notAuthenticated(`no tunelab/hello within ${options.helloTimeoutMs} ms`), true);
      }
    }, options.helloTimeoutMs);
    this.helloTimer.unref();
  }

  get identity(): ClientIdentity | undefined {
    return this.handshake.identity;
  }

  get isOpen(): boolean {
    return !this.closing && !this.closed;
  }

  /** Starts reading; register handlers first. */
  start(): void {
    this.rpc.listen();
  }

  /** True once per connection: for the hello that authenticated it. */
  takeHello(): boolean {
    return this.handshake.takeHello();
  }

  /** Registers the handler of a request; its params are validated against the protocol schema first. */
  handle<K extends RequestName>(name: K, handler: RequestHandler<K>): void {
    const descriptor = Requests[name];
    this.handlers.set(descriptor.method, async (params: unknown) => {
      // JSON-RPC lets a request omit params; the protocol's parameterless requests take {}.
      const checked = validate(descriptor.params, params === undefined ? {} : params);
      if (!checked.ok) {
        throw invalidParams(checked.error.path, checked.error.message);
      }
      return handler(checked.value as ParamsOf<K>);
    });
  }

  notify<K extends NotificationName>(name: K, params: NotificationParamsOf<K>): void {
    if (!this.isOpen || this.identity === undefined) {
      return;
    }
    this.rpc.sendNotification(Notifications[name].method, params).catch((err: unknown) => {
      log('debug', `${this.id}: notification ${Notifications[name].method} not sent: ${describeError(err)}`);
    });
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the connection after flushing what was written; destroys it if the peer lingers. */
  close(): void {
    if (this.closing || this.closed) {
      return;
    }
    this.closing = true;
    this.reader.stop();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private async dispatch(method: string, params: unknown): Promise<unknown> {
    const handler = this.handlers.get(method);
    try {
      if (handler === undefined) {
        throw methodNotFound(method);
      }
      return await handler(params);
    } catch (err) {
      throw toResponseError(method, err);
    }
  }

  /** Error replies for messages vscode-jsonrpc never saw (bad frames, JSON, envelope, handshake). */
  private reject(id: JsonRpcId, error: SidecarError, closeConnection: boolean): void {
    log(closeConnection ? 'info' : 'debug', `${this.id}: ${error.message}${closeConnection ? '; closing' : ''}`);
    const response: ResponseMessage = {
      jsonrpc: '2.0',
      id,
      error: { code: error.code, message: error.message, data: error.data }
    };
    void this.writer.write(response);
    if (closeConnection) {
      this.close();
    }
  }

  private onSocketClosed(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearTimeout(this.helloTimer);
    this.rpc.dispose();
    for (const listener of this.closeListeners) {
      try {
        listener();
      } catch (err) {
        log('error', `${this.id}: close listener failed: ${describeError(err)}`);
      }
    }
  }
}

/** Expected failures keep their code; anything else is logged with its stack and reported as InternalError. */
function toResponseError(method: string, err: unknown): ResponseError<unknown> {
  if (err instanceof SidecarError) {
    return new ResponseError(err.code, err.message, err.data);
  }
  if (err instanceof ResponseError) {
    return err;
  }
  log('error', `${method} failed: ${err instanceof Error && err.stack ? err.stack : describeError(err)}`);
  const internal = internalError(`${method} failed: ${describeError(err)}`);
  return new ResponseError(internal.code, internal.message, internal.data);
}

function rpcLogger(connectionId: string): Logger {
  return {
    error: message => log('warn', `${connectionId}: jsonrpc: ${message}`),
    warn: message => log('warn', `${connectionId}: jsonrpc: ${message}`),
    info: message => log('debug', `${connectionId}: jsonrpc: ${message}`),
    log: message => log('debug', `${connectionId}: jsonrpc: ${message}`)
  };
}
