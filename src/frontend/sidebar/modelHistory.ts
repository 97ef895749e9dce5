import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { ModelVersionRecord, NotificationParamsOf } from '../../protocol';
import { errorMessage } from '../connection/sidecarError';
import { ISidecarConnection } from '../tokens';

/**
 * The model versions of one session, for the loss chart: `model/history` once (and after each
 * reconnection), then every `session/modelUpdated` as it comes.
 */
export class ModelHistory implements IDisposable {
  constructor(
    private readonly _connection: ISidecarConnection,
    readonly sessionId: string
  ) {
    _connection.onNotification.modelUpdated.connect(this._onModelUpdated, this);
    _connection.reconnected.connect(() => void this.refresh(), this);
    void this.refresh();
  }

  get versions(): readonly ModelVersionRecord[] {
    return this._versions;
  }

  /** Why the history could not be fetched, or `null`. */
  get error(): string | null {
    return this._error;
  }

  get changed(): ISignal<ModelHistory, readonly ModelVersionRecord[]> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async refresh(): Promise<void> {
    try {
      await this._connection.ready;
      const { versions } = await this._connection.request('modelHistory', { sessionId: this.sessionId });
      this._error = null;
      this._set(merge(versions, this._versions));
    } catch (error) {
      this._error = errorMessage(error);
      this._set(this._versions);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private _onModelUpdated(_: ISidecarConnection, { sessionId, record }: NotificationParamsOf<'modelUpdated'>): void {
    if (sessionId === this.sessionId) {
      this._set(merge(this._versions, [record]));
    }
  }

  private _set(versions: readonly ModelVersionRecord[]): void {
    if (!this._isDisposed) {
      this._versions = versions;
      this._changed.emit(versions);
    }
  }

  private _versions: readonly ModelVersionRecord[] = [];
  private _error: string | null = null;
  private _isDisposed = false;
  private readonly _changed = new Signal<ModelHistory, readonly ModelVersionRecord[]>(this);
}

/** Both lists' versions, one record per version (the first list's wins), by version. */
export function merge(
  first: readonly ModelVersionRecord[],
  second: readonly ModelVersionRecord[]
): ModelVersionRecord[] {
  const byVersion = new Map<number, ModelVersionRecord>();
  for (const record of [...second, ...first]) {
    byVersion.set(record.version, record);
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}
