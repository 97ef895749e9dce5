import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';
import { SessionList } from '../components/SessionList';
import { useSignalValue } from '../components/useSignalValue';
import { ISidecarConnection } from '../tokens';
import { SessionsModel } from './sessionsModel';

/** The sidebar's body: the live session list, re-rendered whenever the model changes. */
export class SessionsSidebarBody extends ReactWidget {
  constructor(
    private readonly _model: SessionsModel,
    private readonly _connection: ISidecarConnection
  ) {
    super();
    this.addClass('tl-SessionsSidebar');
    this.title.label = 'Sessions';
  }

  protected render(): JSX.Element {
    return <LiveSessionList model={this._model} connection={this._connection} />;
  }
}

function LiveSessionList(props: { model: SessionsModel; connection: ISidecarConnection }): JSX.Element {
  const { model, connection } = props;
  const { sessions, error } = useSignalValue(model.changed, () => model.snapshot);
  return <SessionList connection={connection} sessions={sessions} error={error} />;
}
