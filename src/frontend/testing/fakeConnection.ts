/** An `ISidecarConnection` for unit tests: answers requests with handlers the test sets. */
import { Signal } from '@lumino/signaling';
import {
  NotificationName,
  NotificationParamsOf,
  Notifications,
  ParamsOf,
  RequestName,
  Requests,
  ResultOf
} from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { ConnectionStatus, ISidecarConnection } from '../tokens';

type Handlers = { [K in RequestName]?: (params: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

export class FakeConnection implements ISidecarConnection {
  readonly ready = Promise.resolve();
  status: ConnectionStatus = 'open';
  lastError: string | null = null;
  isDisposed = false;
  readonly statusChanged: Signal<ISidecarConnection, ConnectionStatus> = new Signal(this);
  readonly reconnected: Signal<ISidecarConnection, void> = new Signal(this);
  readonly onNotification = Object.fromEntries(
    (Object.keys(Notifications) as NotificationName[]).map(name => [
      name,
      new Signal<ISidecarConnection, unknown>(this)
    ])
  ) as unknown as { [K in NotificationName]: Signal<ISidecarConnection, NotificationParamsOf<K>> };
  /** Every request made, in order (also those refused while disconnected). */
  readonly calls: { name: RequestName; params: unknown }[] = [];
  handlers: Handlers = {};

  request<K extends RequestName>(name: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
    this.calls.push({ name, params });
    if (this.status !== 'open') {
      // As SidecarConnection does while reconnecting: fail fast.
      const method = Requests[name].method;
      return Promise.reject(
        new SidecarError(`${method}: not connected to the Tunelab sidecar, reconnecting`, null, 'not_connected')
      );
    }
    const handler = this.handlers[name] as ((params: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>) | undefined;
    if (!handler) {
      return Promise.reject(new Error(`no handler for ${name}`));
    }
    return Promise.resolve().then(() => handler(params));
  }

  /** Params of the requests named `name`, in order. */
  paramsOf<K extends RequestName>(name: K): ParamsOf<K>[] {
    return this.calls.filter(call => call.name === name).map(call => call.params as ParamsOf<K>);
  }

  /** The websocket dropped: requests fail until `reconnect()`. */
  drop(): void {
    this.status = 'reconnecting';
    this.lastError = 'the websocket closed (code 1006)';
    this.statusChanged.emit(this.status);
  }

  /** The connection is back: `statusChanged('open')`, then `reconnected`, as SidecarConnection emits them. */
  reconnect(): void {
    this.status = 'open';
    this.lastError = null;
    this.statusChanged.emit(this.status);
    this.reconnected.emit();
  }

  dispose(): void {
    this.isDisposed = true;
  }
}
