import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { ILabelerActions, ILabelerSettings, ILabelerTracker } from '../tokens';

/** Default settings, as in schema/plugin.json. */
export const DEFAULT_LABELER_SETTINGS: ILabelerSettings = { autoFocus: true, backend: 'auto' };

/**
 * The labeler panels on the page (cells, sidebar, tabs). The commands act on
 * the active one: the panel focused last that is still mounted.
 */
export class LabelerTracker implements ILabelerTracker {
  get active(): ILabelerActions | null {
    return this._active?.actions ?? null;
  }

  get activeChanged(): ISignal<ILabelerTracker, ILabelerActions | null> {
    return this._activeChanged;
  }

  get settings(): ILabelerSettings {
    return this._settings;
  }

  set settings(settings: ILabelerSettings) {
    this._settings = settings;
    this._settingsChanged.emit(settings);
  }

  get settingsChanged(): ISignal<ILabelerTracker, ILabelerSettings> {
    return this._settingsChanged;
  }

  add(node: HTMLElement, actions: ILabelerActions): IDisposable {
    const entry: ITrackedPanel = { node, actions };
    const onFocusIn = (): void => this._setActive(entry);
    node.addEventListener('focusin', onFocusIn);
    this._entries.push(entry);
    if (node.contains(document.activeElement)) {
      this._setActive(entry);
    }
    return new DisposableDelegate(() => {
      node.removeEventListener('focusin', onFocusIn);
      this._entries = this._entries.filter(e => e !== entry);
      if (this._active === entry) {
        this._setActive(null);
      }
    });
  }

  get currentSessionId(): string | null {
    return this._currentSessionId;
  }

  selectSession(sessionId: string | null): void {
    this._currentSessionId = sessionId;
  }

  activateNode(node: Element): void {
    const entry = this._entries.find(e => e.node === node);
    if (entry) {
      this._setActive(entry);
    }
  }

  private _setActive(entry: ITrackedPanel | null): void {
    if (this._active !== entry) {
      this._active = entry;
      this._activeChanged.emit(entry?.actions ?? null);
    }
    // A panel going away leaves its session current: it still exists on the sidecar.
    if (entry) {
      this._currentSessionId = entry.actions.sessionId;
    }
  }

  private _entries: ITrackedPanel[] = [];
  private _active: ITrackedPanel | null = null;
  private _currentSessionId: string | null = null;
  private _settings: ILabelerSettings = DEFAULT_LABELER_SETTINGS;
  private readonly _activeChanged = new Signal<ILabelerTracker, ILabelerActions | null>(this);
  private readonly _settingsChanged = new Signal<ILabelerTracker, ILabelerSettings>(this);
}

interface ITrackedPanel {
  node: HTMLElement;
  actions: ILabelerActions;
}
