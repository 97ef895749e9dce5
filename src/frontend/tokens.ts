/**
 * Service tokens, interfaces and command ids shared by Tunelab's browser plugins.
 */
import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import type {
  BackendPreference,
  NotificationName,
  NotificationParamsOf,
  ParamsOf,
  RequestName,
  ResultOf
} from '../protocol';

/** Lifecycle of the websocket to the sidecar (through the Jupyter server's relay). */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * The browser's one connection to the Tunelab sidecar. Reconnects by itself
 * after a drop and re-subscribes the sessions it was subscribed to.
 */
export interface ISidecarConnection extends IDisposable {
  /** Resolves the first time the connection is open and initialized. */
  readonly ready: Promise<void>;
  readonly status: ConnectionStatus;
  readonly statusChanged: ISignal<ISidecarConnection, ConnectionStatus>;
  /** Why the last connection attempt or the last connection failed; `null` while open. */
  readonly lastError: string | null;
  /** Emitted after a reconnection, once the subscriptions are restored. */
  readonly reconnected: ISignal<ISidecarConnection, void>;
  /** Typed notifications from the sidecar, validated against the protocol's schemas. */
  readonly onNotification: { readonly [K in NotificationName]: ISignal<ISidecarConnection, NotificationParamsOf<K>> };
  /**
   * Sends a request and resolves with its validated result. Rejects with a
   * `SidecarError` on an error response, on a drop before the answer, or when
   * the connection is not open. `session/subscribe` and `session/unsubscribe`
   * are reference-counted, so several views can watch one session.
   */
  request<K extends RequestName>(name: K, params: ParamsOf<K>): Promise<ResultOf<K>>;
}

export const ISidecarConnection = new Token<ISidecarConnection>(
  'tunelab:ISidecarConnection',
  'The connection to the Tunelab sidecar (JSON-RPC over the tunelab/ws websocket).'
);

/** What the commands can do to a labeler panel. */
export interface ILabelerActions {
  /** The session the panel labels. */
  readonly sessionId: string;
  submit(): void;
  skip(): void;
  undo(): void;
  invert(): void;
  /**
   * Toggles the candidate at this position (0-based) of the current question; in a classification
   * session, chooses (single-label) or toggles (multi-label) the label at this position.
   */
  toggle(index: number): void;
  /** Classification sessions: answers with the model's prediction as shown (nothing without one). */
  acceptPrediction(): void;
  /** Shows the previous answered question of this panel, read-only (see `review.ts`). */
  back(): void;
  /** Shows the next answered question, or returns to the current question after the latest. */
  forward(): void;
}

/** User settings of the labeler panels (schema/plugin.json). */
export interface ILabelerSettings {
  /** Whether a labeler panel takes the keyboard focus when it appears. */
  autoFocus: boolean;
  /** The TF.js backend of new sessions that name none; `auto`: no preference (the sidecar decides). */
  backend: BackendPreference;
}

/** Tracks the labeler panels on the page and which one the commands act on. */
export interface ILabelerTracker {
  /** The panel most recently focused, or `null` when none is mounted. */
  readonly active: ILabelerActions | null;
  readonly activeChanged: ISignal<ILabelerTracker, ILabelerActions | null>;
  readonly settings: ILabelerSettings;
  readonly settingsChanged: ISignal<ILabelerTracker, ILabelerSettings>;
  /** Adds a panel; it becomes active when `node` (or something in it) gets focus. */
  add(node: HTMLElement, actions: ILabelerActions): IDisposable;
  /** Makes the panel rendered in `node` the active one, if it is tracked. */
  activateNode(node: Element): void;
  /**
   * The session the session commands (export, import labels) act on: the one chosen last, by focusing
   * a labeler panel or selecting it in the sidebar; `null` before either.
   */
  readonly currentSessionId: string | null;
  /** The sidebar selected this session (`null`: none). */
  selectSession(sessionId: string | null): void;
}

export const ILabelerTracker = new Token<ILabelerTracker>(
  'tunelab:ILabelerTracker',
  'The labeler panels on the page, the active one, and their settings.'
);

/** Ids of the JupyterLab commands Tunelab registers. */
export const CommandIDs = {
  submit: 'tunelab:submit',
  acceptPrediction: 'tunelab:accept-prediction',
  skip: 'tunelab:skip',
  undo: 'tunelab:undo',
  invert: 'tunelab:invert',
  toggleCandidate: 'tunelab:toggle-candidate',
  previousQuestion: 'tunelab:previous-question',
  nextQuestion: 'tunelab:next-question',
  openSidebar: 'tunelab:open-sidebar',
  openSessionTab: 'tunelab:open-session-tab',
  exportLabels: 'tunelab:export-labels',
  importLabels: 'tunelab:import-labels'
} as const;

/** Commands whose key may auto-repeat: holding ← or → walks through the answers. */
export const REPEATABLE_COMMANDS: ReadonlySet<string> = new Set([CommandIDs.previousQuestion, CommandIDs.nextQuestion]);

/** The commands that act on the active labeler panel. */
export const LABELER_COMMANDS: ReadonlySet<string> = new Set([
  CommandIDs.submit,
  CommandIDs.acceptPrediction,
  CommandIDs.skip,
  CommandIDs.undo,
  CommandIDs.invert,
  CommandIDs.toggleCandidate,
  CommandIDs.previousQuestion,
  CommandIDs.nextQuestion
]);

/** Class of a labeler panel's focusable root; keyboard shortcuts are bound to it. */
export const LABELER_PANEL_CLASS = 'tl-LabelerPanel';

/** Id of the sidebar panel in the right area. */
export const SIDEBAR_ID = 'tunelab-sidebar';
