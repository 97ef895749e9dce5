import React from 'react';
import type { SessionInfo } from '../../protocol';
import { ISidecarConnection } from '../tokens';
import { ConnectionStatusBadge } from './ConnectionStatusBadge';
import { LabelFileActions } from './LabelFileActions';
import { LossChart } from './LossChart';
import { ProgressBar } from './ProgressBar';
import { ProgressCounters } from './ProgressCounters';
import { ProgressDetails } from './ProgressDetails';
import { useModelHistory } from './useModelHistory';

/**
 * The live sessions of the sidecar with their progress, for the sidebar. The selected one
 * (click a row) shows its training state, the loss chart, "Open in tab" and its label files.
 */
export function SessionList(props: {
  connection: ISidecarConnection;
  sessions: readonly SessionInfo[];
  /** Why the list could not be fetched, if it could not. */
  error: string | null;
  selectedId: string | null;
  onSelect: (sessionId: string) => void;
  onOpenInTab: (session: SessionInfo) => void;
}): JSX.Element {
  const { connection, sessions, error, selectedId, onSelect, onOpenInTab } = props;
  return (
    <div className="tl-SessionList" data-testid="tl-session-list">
      <div className="tl-SessionList-header">
        <span className="tl-SessionList-count" data-testid="tl-session-count">
          {sessions.length === 1 ? '1 live session' : `${sessions.length} live sessions`}
        </span>
        <ConnectionStatusBadge connection={connection} />
      </div>
      {error ? (
        <div className="tl-SessionList-error" role="alert" data-testid="tl-error">
          {error}
        </div>
      ) : null}
      {sessions.length === 0 ? (
        <div className="tl-SessionList-empty" data-testid="tl-no-sessions">
          No live session. Start one in a notebook with <code>tunelab.label(data, name=…)</code>.
        </div>
      ) : (
        <ul className="tl-SessionList-items">
          {sessions.map(session => (
            <SessionRow
              key={session.id}
              connection={connection}
              session={session}
              selected={session.id === selectedId}
              onSelect={() => onSelect(session.id)}
              onOpenInTab={() => onOpenInTab(session)}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function SessionRow(props: {
  connection: ISidecarConnection;
  session: SessionInfo;
  selected: boolean;
  onSelect: () => void;
  onOpenInTab: () => void;
}): JSX.Element {
  const { connection, session, selected, onSelect, onOpenInTab } = props;
  const { progress } = session;
  const loaded = `${progress.done.toLocaleString()} done of ${progress.loadedItems.toLocaleString()} loaded`;
  return (
    <li
      className={`tl-SessionList-item${selected ? ' tl-mod-selected' : ''}`}
      data-testid="tl-session-row"
      data-session-id={session.id}
      data-session-name={session.name}
      data-selected={selected}
    >
      <button
        type="button"
        className="tl-SessionList-itemHeader"
        aria-expanded={selected}
        data-testid="tl-session-select"
        title={`${session.name} (${session.model}, ${session.contentType}, top ${session.topK}): click for details`}
        onClick={onSelect}
      >
        <span className="tl-SessionList-name">{session.name}</span>
        {progress.finished ? <span className="tl-SessionList-finished">finished</span> : null}
        <span
          className="tl-SessionList-modelVersion"
          data-testid="tl-model-version"
          data-version={progress.modelVersion}
        >
          model v{progress.modelVersion}
        </span>
      </button>
      <ProgressBar value={progress.done} max={progress.loadedItems} label={loaded} testId="tl-session-progress" />
      <div className="tl-SessionList-detail">
        {loaded}
        {session.loading
          ? ` · loading ${progress.loadedItems.toLocaleString()} / ${progress.itemCount.toLocaleString()}`
          : ''}
      </div>
      {selected ? (
        <SessionDetail connection={connection} session={session} onOpenInTab={onOpenInTab} />
      ) : (
        <ProgressCounters progress={progress} task={session.task} />
      )}
    </li>
  );
}

function SessionDetail(props: {
  connection: ISidecarConnection;
  session: SessionInfo;
  onOpenInTab: () => void;
}): JSX.Element {
  const { connection, session, onOpenInTab } = props;
  const versions = useModelHistory(connection, session.id);
  return (
    <div className="tl-SessionList-selected">
      <ProgressDetails session={session} progress={session.progress} />
      <LossChart versions={versions} />
      <button type="button" className="tl-Button" data-testid="tl-open-session-tab" onClick={onOpenInTab}>
        Open in tab
      </button>
      {session.task === 'classification' ? (
        // The sidecar refuses label files for classification sessions (no format for class labels yet).
        <span className="tl-SessionList-note" data-testid="tl-label-files-unavailable">
          Label files are for similarity sessions; read this session&apos;s labels with <code>session.labels</code> in
          Python.
        </span>
      ) : (
        // Keyed by session: an outcome shown for one session is not shown for the next.
        <LabelFileActions key={session.id} connection={connection} sessionId={session.id} />
      )}
    </div>
  );
}
