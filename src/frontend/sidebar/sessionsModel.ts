import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { NotificationParamsOf, SessionInfo } from '../../protocol';
import { errorMessage } from '../connection/sidecarError';
import { ConnectionStatus, ISidecarConnection } from '../tokens';

/** The session list as the sidebar renders it. */
export interface ISessionsSnapshot {
  readonly sessions: readonly SessionInfo[];
  /** Why the list could not be fetched, or `null`. */
  readonly error: string | null;
}

/**
 * The sidecar's live sessions, kept current from `session/list`,
 * `sessions/changed` and the `session/progress` of every listed session
 * (the model subscribes to each of them).
 */
export class SessionsModel implements IDisposable {
  constructor(private readonly _connection: ISidecarConnection) {
    _connection.onNotification.sessionsChanged.connect(this._onSessionsChanged, this);
    _connection.onNotification.progress.connect(this._onProgress, this);
    _connection.statusChanged.connect(this._onStatusChanged, this);
    _connection.ready.then(() => this.refresh()).catch(() => undefined);
  }

  get sessions(): readonly SessionInfo[] {
    return this._sessions;
  }

  /** Why the list could not be fetched, or `null`. */
  get error(): string | null {
    return this._error;
  }

  /** Emits the new snapshot whenever the list, a session's progress or the error changes. */
  get changed(): ISignal<SessionsModel, ISessionsSnapshot> {
    return this._changed;
  }

  get snapshot(): ISessionsSnapshot {
    return { sessions: this._sessions, error: this._error };
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Fetches the list again (after connecting and after every reconnection). */
  async refresh(): Promise<void> {
    try {
      const { sessions } = await this._connection.request('listSessions', {});
      this._error = null;
      this._setSessions(sessions);
    } catch (error) {
      this._error = errorMessage(error);
      this._changed.emit(this.snapshot);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const sessionId of this._subscribed) {
      this._connection.request('unsubscribe', { sessionId }).catch(() => undefined);
    }
    this._subscribed.clear();
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private _setSessions(sessions: readonly SessionInfo[]): void {
    if (this._isDisposed) {
      return;
    }
    this._sessions = [...sessions];
    const live = new Set(sessions.map(s => s.id));
    for (const sessionId of [...this._subscribed]) {
      if (!live.has(sessionId)) {
        this._subscribed.delete(sessionId);
        this._connection.request('unsubscribe', { sessionId }).catch(() => undefined);
      }
    }
    for (const sessionId of live) {
      if (!this._subscribed.has(sessionId)) {
        this._subscribed.add(sessionId);
        this._connection
          .request('subscribe', { sessionId })
          .then(info => this._replace(info))
          .catch(() => this._subscribed.delete(sessionId));
      }
    }
    this._changed.emit(this.snapshot);
  }

  private _replace(info: SessionInfo): void {
    const index = this._sessions.findIndex(s => s.id === info.id);
    if (index >= 0 && !this._isDisposed) {
      this._sessions = this._sessions.map(s => (s.id === info.id ? info : s));
      this._changed.emit(this.snapshot);
    }
  }

  private _onSessionsChanged(_: ISidecarConnection, { sessions }: NotificationParamsOf<'sessionsChanged'>): void {
    this._error = null;
    this._setSessions(sessions);
  }

  private _onProgress(_: ISidecarConnection, { sessionId, progress }: NotificationParamsOf<'progress'>): void {
    const session = this._sessions.find(s => s.id === sessionId);
    if (session) {
      this._replace({ ...session, progress, loading: progress.loadedItems < progress.itemCount });
    }
  }

  private _onStatusChanged(_: ISidecarConnection, status: ConnectionStatus): void {
    if (status === 'open') {
      // The connection restored the subscriptions it held; the list itself may have changed meanwhile.
      void this.refresh();
    }
  }

  private _sessions: SessionInfo[] = [];
  private _error: string | null = null;
  private readonly _subscribed = new Set<string>();
  private _isDisposed = false;
  private readonly _changed = new Signal<SessionsModel, ISessionsSnapshot>(this);
}
