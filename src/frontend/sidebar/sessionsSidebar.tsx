import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useState } from 'react';
import type { SessionInfo } from '../../protocol';
import { SessionList } from '../components/SessionList';
import { useSignalValue } from '../components/useSignalValue';
import { ILabelerTracker, ISidecarConnection } from '../tokens';
import { SessionsModel } from './sessionsModel';

/** The sidebar's body: the live session list, re-rendered whenever the model changes. */
export class SessionsSidebarBody extends ReactWidget {
  constructor(
    private readonly _model: SessionsModel,
    private readonly _connection: ISidecarConnection,
    private readonly _tracker: ILabelerTracker,
    private readonly _openInTab: (session: SessionInfo) => void
  ) {
    super();
    this.addClass('tl-SessionsSidebar');
    this.title.label = 'Sessions';
  }

  protected render(): JSX.Element {
    return (
      <LiveSessionList
        model={this._model}
        connection={this._connection}
        tracker={this._tracker}
        openInTab={this._openInTab}
      />
    );
  }
}

function LiveSessionList(props: {
  model: SessionsModel;
  connection: ISidecarConnection;
  tracker: ILabelerTracker;
  openInTab: (session: SessionInfo) => void;
}): JSX.Element {
  const { model, connection, tracker, openInTab } = props;
  const { sessions, error } = useSignalValue(model.changed, () => model.snapshot);
  const [chosenId, setChosenId] = useState<string | null>(null);
  // The chosen session while it lives, else the newest one, so a new session shows its chart at once.
  const selectedId = sessions.some(s => s.id === chosenId) ? chosenId : (sessions[sessions.length - 1]?.id ?? null);
  return (
    <SessionList
      connection={connection}
      sessions={sessions}
      error={error}
      selectedId={selectedId}
      onSelect={sessionId => {
        setChosenId(sessionId);
        // The session commands (export, import labels) act on the session clicked last.
        tracker.selectSession(sessionId);
      }}
      onOpenInTab={openInTab}
    />
  );
}
