import React from 'react';
import type { SessionInfo } from '../../protocol';
import { ISidecarConnection } from '../tokens';
import { ConnectionStatusBadge } from './ConnectionStatusBadge';
import { ProgressBar } from './ProgressBar';
import { ProgressCounters } from './ProgressCounters';

/** The live sessions of the sidecar with their progress, for the sidebar. */
export function SessionList(props: {
  connection: ISidecarConnection;
  sessions: readonly SessionInfo[];
  /** Why the list could not be fetched, if it could not. */
  error: string | null;
}): JSX.Element {
  const { connection, sessions, error } = props;
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
            <SessionRow key={session.id} session={session} />
          ))}
        </ul>
      )}
    </div>
  );
}

function SessionRow(props: { session: SessionInfo }): JSX.Element {
  const { session } = props;
  const { progress } = session;
  const loaded = `${progress.done.toLocaleString()} done of ${progress.loadedItems.toLocaleString()} loaded`;
  return (
    <li
      className="tl-SessionList-item"
      data-testid="tl-session-row"
      data-session-id={session.id}
      data-session-name={session.name}
    >
      <div className="tl-SessionList-itemHeader">
        <span className="tl-SessionList-name" title={`${session.name} (${session.model}, top ${session.topK})`}>
          {session.name}
        </span>
        <span
          className="tl-SessionList-modelVersion"
          data-testid="tl-model-version"
          data-version={progress.modelVersion}
        >
          model v{progress.modelVersion}
        </span>
      </div>
      <ProgressBar value={progress.done} max={progress.loadedItems} label={loaded} testId="tl-session-progress" />
      <div className="tl-SessionList-detail">
        {loaded}
        {session.loading
          ? ` · loading ${progress.loadedItems.toLocaleString()} / ${progress.itemCount.toLocaleString()}`
          : ''}
      </div>
      <ProgressCounters progress={progress} />
    </li>
  );
}
