import { PromiseDelegate } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import { createMessageConnection, MessageConnection, ResponseError } from 'vscode-jsonrpc/browser';
import {
  ErrorCodes,
  NotificationName,
  NotificationParamsOf,
  Notifications,
  ParamsOf,
  PROTOCOL_VERSION,
  RequestName,
  Requests,
  ResultOf,
  validate
} from '../../protocol';
import { ConnectionStatus, ISidecarConnection } from '../tokens';
import { reconnectDelay } from './reconnectDelay';
import { errorMessage, SidecarError } from './sidecarError';
import { WebSocketMessageReader, WebSocketMessageWriter } from './websocketTransport';

type NotificationSignals = { [K in NotificationName]: Signal<ISidecarConnection, NotificationParamsOf<K>> };

/**
 * JSON-RPC over the relay's websocket (`<base_url>/tunelab/ws`). One instance
 * serves every Tunelab view on the page; it reconnects by itself (0.25 s
 * doubling to 5 s, for as long as it is not disposed) and restores the
 * session subscriptions after each reconnection.
 */
export class SidecarConnection implements ISidecarConnection {
  constructor(options: ISidecarConnectionOptions) {
    this._url = options.url;
    this._WebSocket = options.WebSocket ?? WebSocket;
    this._clientName = options.clientName ?? 'jupyterlab';
    // Nobody may be waiting on `ready` when the connection is disposed early.
    this._ready.promise.catch(() => undefined);
    this._connect();
  }

  get ready(): Promise<void> {
    return this._ready.promise;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  get statusChanged(): ISignal<ISidecarConnection, ConnectionStatus> {
    return this._statusChanged;
  }

  get lastError(): string | null {
    return this._lastError;
  }

  /** What the sidecar answered to `tunelab/initialize`, once open. */
  get serverInfo(): ResultOf<'initialize'> | null {
    return this._serverInfo;
  }

  get reconnected(): ISignal<ISidecarConnection, void> {
    return this._reconnected;
  }

  get onNotification(): { readonly [K in NotificationName]: ISignal<ISidecarConnection, NotificationParamsOf<K>> } {
    return this._notifications;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  request<K extends RequestName>(name: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
    if (name === 'subscribe') {
      return this._subscribe(params as ParamsOf<'subscribe'>) as Promise<ResultOf<K>>;
    }
    if (name === 'unsubscribe') {
      return this._unsubscribe(params as ParamsOf<'unsubscribe'>) as Promise<ResultOf<K>>;
    }
    return this._whenOpen(name).then(rpc => this._send(rpc, name, params));
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._dropSocket('the connection to the Tunelab sidecar was disposed');
    this._ready.reject(new SidecarError('the connection to the Tunelab sidecar was disposed'));
    this._setStatus('closed');
    Signal.clearData(this);
  }

  private _connect(): void {
    if (this._isDisposed) {
      return;
    }
    this._retryTimer = null;
    let socket: WebSocket;
    try {
      socket = new this._WebSocket(this._url);
    } catch (error) {
      this._lastError = `cannot open the websocket: ${errorMessage(error)}`;
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.addEventListener('open', () => void this._initialize(socket));
    socket.addEventListener('close', event => this._onSocketClose(socket, event));
  }

  /** Speaks JSON-RPC on a freshly opened socket: initialize, then restore subscriptions. */
  private async _initialize(socket: WebSocket): Promise<void> {
    if (socket !== this._socket) {
      return;
    }
    const rpc = createMessageConnection(new WebSocketMessageReader(socket), new WebSocketMessageWriter(socket));
    rpc.onNotification((method: string, params: unknown) => this._dispatchNotification(method, params));
    rpc.onError(([error]) => console.warn('Tunelab: bad message from the sidecar:', error.message));
    rpc.listen();
    this._rpc = rpc;
    try {
      this._serverInfo = await this._send(rpc, 'initialize', {
        protocolVersion: { ...PROTOCOL_VERSION },
        clientName: this._clientName
      });
      for (const sessionId of [...this._subscriptions.keys()]) {
        try {
          await this._send(rpc, 'subscribe', { sessionId });
        } catch (error) {
          if (!(error instanceof SidecarError && error.code === ErrorCodes.SessionNotFound)) {
            throw error;
          }
          this._subscriptions.delete(sessionId);
        }
      }
    } catch (error) {
      if (socket === this._socket) {
        this._lastError = errorMessage(error);
        console.warn('Tunelab: could not initialize the sidecar connection:', this._lastError);
        socket.close();
      }
      return;
    }
    if (socket !== this._socket) {
      return;
    }
    const isReconnection = this._wasOpen;
    this._wasOpen = true;
    this._attempt = 0;
    this._lastError = null;
    this._setStatus('open');
    this._opened.resolve(rpc);
    this._ready.resolve();
    if (isReconnection) {
      this._reconnected.emit();
    }
  }

  private _onSocketClose(socket: WebSocket, event: CloseEvent): void {
    if (socket !== this._socket) {
      return;
    }
    const reason = event.reason ? `: ${event.reason}` : '';
    this._lastError ??= `the websocket closed (code ${event.code}${reason})`;
    this._dropSocket(`the connection to the Tunelab sidecar was lost (${this._lastError})`);
    this._scheduleReconnect();
  }

  /** Forgets the current socket and rejects every request still waiting on it. */
  private _dropSocket(reason: string): void {
    const socket = this._socket;
    this._socket = null;
    this._rpc?.dispose();
    this._rpc = null;
    const failures = [...this._pending];
    this._pending.clear();
    failures.forEach(fail => fail(reason));
    this._opened = new PromiseDelegate<MessageConnection>();
    if (socket && socket.readyState !== socket.CLOSED && socket.readyState !== socket.CLOSING) {
      socket.close();
    }
  }

  private _scheduleReconnect(): void {
    if (this._isDisposed) {
      return;
    }
    this._setStatus('reconnecting');
    this._retryTimer = setTimeout(() => this._connect(), reconnectDelay(this._attempt++));
  }

  /**
   * The open connection; while the first connection is being made, waits for it.
   * Fails fast while reconnecting, so views can say so instead of hanging.
   */
  private _whenOpen(name: RequestName): Promise<MessageConnection> {
    const method = Requests[name].method;
    if (this._status === 'open' && this._rpc) {
      return Promise.resolve(this._rpc);
    }
    if (this._status === 'connecting') {
      return new Promise<MessageConnection>((resolve, reject) => {
        const fail = (reason: string): void => reject(new SidecarError(`${method}: ${reason}`, null, 'not_connected'));
        this._pending.add(fail);
        this._opened.promise.then(resolve, reject).finally(() => this._pending.delete(fail));
      });
    }
    const why =
      this._status === 'closed' ? 'the connection is closed' : `reconnecting (${this._lastError ?? 'dropped'})`;
    return Promise.reject(
      new SidecarError(`${method}: not connected to the Tunelab sidecar, ${why}`, null, 'not_connected')
    );
  }

  /** Sends one request on `rpc` and validates its result against the protocol. */
  private _send<K extends RequestName>(rpc: MessageConnection, name: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
    const descriptor = Requests[name];
    const method = descriptor.method;
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const fail = (reason: string): void => reject(new SidecarError(`${method}: ${reason}`, null, 'connection_lost'));
      if (rpc !== this._rpc) {
        // The socket dropped between the caller's check and now.
        fail(`the connection to the Tunelab sidecar was lost (${this._lastError ?? 'closed'})`);
        return;
      }
      this._pending.add(fail);
      rpc
        .sendRequest<unknown>(method, params)
        .then(
          result => {
            const checked = validate(descriptor.result, result);
            if (checked.ok) {
              resolve(checked.value as ResultOf<K>);
            } else {
              const { path, message } = checked.error;
              reject(new SidecarError(`${method}: unexpected result at ${path}: ${message}`, null, 'invalid_result'));
            }
          },
          (error: unknown) =>
            reject(
              error instanceof ResponseError
                ? SidecarError.fromResponse(method, error)
                : new SidecarError(`${method}: ${errorMessage(error)}`)
            )
        )
        .finally(() => this._pending.delete(fail));
    });
  }

  /** Subscriptions are counted so one view unsubscribing does not silence another. */
  private async _subscribe(params: ParamsOf<'subscribe'>): Promise<ResultOf<'subscribe'>> {
    const info = await this._send(await this._whenOpen('subscribe'), 'subscribe', params);
    this._subscriptions.set(params.sessionId, (this._subscriptions.get(params.sessionId) ?? 0) + 1);
    return info;
  }

  private async _unsubscribe(params: ParamsOf<'unsubscribe'>): Promise<ResultOf<'unsubscribe'>> {
    const count = this._subscriptions.get(params.sessionId) ?? 0;
    if (count > 1) {
      this._subscriptions.set(params.sessionId, count - 1);
      return {};
    }
    this._subscriptions.delete(params.sessionId);
    if (this._status !== 'open' || !this._rpc) {
      return {}; // Nothing to undo on the sidecar: the next connection will not resubscribe it.
    }
    return this._send(this._rpc, 'unsubscribe', params);
  }

  private _dispatchNotification(method: string, params: unknown): void {
    for (const name of Object.keys(Notifications) as NotificationName[]) {
      if (Notifications[name].method === method) {
        this._emitNotification(name, params);
        return;
      }
    }
    // Unknown notifications come from newer minor versions of the protocol: ignore them.
  }

  private _emitNotification<K extends NotificationName>(name: K, params: unknown): void {
    const checked = validate(Notifications[name].params, params);
    if (!checked.ok) {
      const { path, message } = checked.error;
      console.warn(`Tunelab: dropped an invalid ${Notifications[name].method} notification (${path}: ${message})`);
      return;
    }
    const signal: Signal<ISidecarConnection, NotificationParamsOf<K>> = this._notifications[name];
    signal.emit(checked.value as NotificationParamsOf<K>);
  }

  private _setStatus(status: ConnectionStatus): void {
    if (this._status !== status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private readonly _url: string;
  private readonly _WebSocket: typeof WebSocket;
  private readonly _clientName: string;
  private _socket: WebSocket | null = null;
  private _rpc: MessageConnection | null = null;
  private _status: ConnectionStatus = 'connecting';
  private _lastError: string | null = null;
  private _serverInfo: ResultOf<'initialize'> | null = null;
  private _wasOpen = false;
  private _attempt = 0;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  /** Rejects every request waiting on the current socket, with the reason given. */
  private readonly _pending = new Set<(reason: string) => void>();
  /** Resolves when the current socket is open and initialized. */
  private _opened = new PromiseDelegate<MessageConnection>();
  /** Subscribed session ids and how many views hold each subscription. */
  private readonly _subscriptions = new Map<string, number>();
  private readonly _ready = new PromiseDelegate<void>();
  private readonly _statusChanged = new Signal<ISidecarConnection, ConnectionStatus>(this);
  private readonly _reconnected = new Signal<ISidecarConnection, void>(this);
  /** One signal per notification of the protocol, so a new notification needs no change here. */
  private readonly _notifications = Object.fromEntries(
    (Object.keys(Notifications) as NotificationName[]).map(name => [
      name,
      new Signal<ISidecarConnection, unknown>(this)
    ])
  ) as unknown as NotificationSignals;
}

export interface ISidecarConnectionOptions {
  /** The relay's websocket URL (see `sidecarWebSocketUrl`). */
  url: string;
  /** Defaults to the browser's; JupyterLab's server settings carry the one to use. */
  WebSocket?: typeof WebSocket;
  /** Sent in `tunelab/initialize`, shown in the sidecar's logs. */
  clientName?: string;
}
