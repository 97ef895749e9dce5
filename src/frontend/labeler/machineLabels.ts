import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import type { MachineLabelRecord, NotificationParamsOf, Progress } from '../../protocol';
import { errorMessage } from '../connection/sidecarError';
import { ISidecarConnection } from '../tokens';
import { newAnswerId } from './answerId';

/** The auto-accepted items of a classification session, as the panel lists them. */
export interface IMachineLabelsState {
  /** `null` until the first `session/machineLabels` answer. */
  readonly items: readonly MachineLabelRecord[] | null;
  /** Pool positions with a confirm or reject in flight (their buttons are disabled). */
  readonly busy: ReadonlySet<number>;
  /** The latest failure (listing, confirming, rejecting), until the next success. */
  readonly error: string | null;
}

/**
 * The "Auto-accepted" list of one classification session: machine labels kept apart from human answers
 * (never trained on unless confirmed). Refetched when a model version arrives (`session/modelUpdated`:
 * the new model may accept or withdraw items) and when the session's machine-label count or gate
 * changes in its progress. Confirm and reject carry a fresh answer id, so a resend would be a no-op.
 */
export class MachineLabels implements IDisposable {
  constructor(
    private readonly _connection: ISidecarConnection,
    readonly sessionId: string,
    /** Receives the progress a confirm or reject returns (the labeler shows it). */
    private readonly _onProgress: (progress: Progress) => void = () => undefined
  ) {
    _connection.onNotification.modelUpdated.connect(this._onModelUpdated, this);
    _connection.onNotification.progress.connect(this._onProgressNotification, this);
    _connection.reconnected.connect(() => void this.refresh(), this);
  }

  get state(): IMachineLabelsState {
    return this._state;
  }

  get changed(): ISignal<MachineLabels, IMachineLabelsState> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Fetches the list; overlapping calls share one request and a call during it fetches once more after. */
  async refresh(): Promise<void> {
    if (this._fetching) {
      this._again = true;
      return this._fetching;
    }
    this._fetching = this._fetch();
    try {
      await this._fetching;
    } finally {
      this._fetching = null;
    }
    if (this._again && !this._isDisposed) {
      this._again = false;
      await this.refresh();
    }
  }

  /** Keeps the machine label as a human label (trained on from the next round). */
  confirm(index: number): Promise<void> {
    return this._act(index, () =>
      this._connection.request('confirmMachineLabel', { sessionId: this.sessionId, index, answerId: newAnswerId() })
    );
  }

  /**
   * Rejects the machine label: with `labels`, they are stored as the human answer instead; without, the
   * item just leaves the list (this model version will not auto-accept it again).
   */
  reject(index: number, labels?: readonly string[]): Promise<void> {
    return this._act(index, () =>
      this._connection.request('rejectMachineLabel', {
        sessionId: this.sessionId,
        index,
        answerId: newAnswerId(),
        ...(labels === undefined ? {} : { labels: [...labels] })
      })
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    try {
      const { machineLabels } = await this._connection.request('machineLabels', { sessionId: this.sessionId });
      this._update({ items: machineLabels, error: null });
    } catch (error) {
      this._update({ error: errorMessage(error) });
    }
  }

  private async _act(index: number, send: () => Promise<{ progress: Progress }>): Promise<void> {
    if (this._state.busy.has(index)) {
      return;
    }
    this._update({ busy: new Set([...this._state.busy, index]) });
    try {
      const { progress } = await send();
      if (this._isDisposed) {
        return;
      }
      // The item is settled either way: take it off at once rather than after the refetch.
      this._update({ items: (this._state.items ?? []).filter(item => item.index !== index), error: null });
      this._onProgress(progress);
    } catch (error) {
      this._update({ error: errorMessage(error) });
    } finally {
      const busy = new Set(this._state.busy);
      busy.delete(index);
      this._update({ busy });
    }
    await this.refresh();
  }

  private _onModelUpdated(_: ISidecarConnection, { sessionId }: NotificationParamsOf<'modelUpdated'>): void {
    if (sessionId === this.sessionId) {
      void this.refresh();
    }
  }

  /** Refetches when the count or the gate moved: answers alone do not change the list. */
  private _onProgressNotification(
    _: ISidecarConnection,
    { sessionId, progress }: NotificationParamsOf<'progress'>
  ): void {
    if (sessionId !== this.sessionId) {
      return;
    }
    const key = `${progress.machineLabels ?? 0}:${progress.autoAcceptOpen === true}:${progress.modelVersion}`;
    if (key !== this._lastProgressKey) {
      const first = this._lastProgressKey === null;
      this._lastProgressKey = key;
      if (!first || this._state.items === null) {
        void this.refresh();
      }
    }
  }

  private _update(patch: Partial<IMachineLabelsState>): void {
    if (this._isDisposed) {
      return;
    }
    this._state = { ...this._state, ...patch };
    this._changed.emit(this._state);
  }

  private _state: IMachineLabelsState = { items: null, busy: new Set(), error: null };
  private _fetching: Promise<void> | null = null;
  private _again = false;
  private _lastProgressKey: string | null = null;
  private _isDisposed = false;
  private readonly _changed = new Signal<MachineLabels, IMachineLabelsState>(this);
}
