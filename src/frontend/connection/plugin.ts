import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISidecarConnection } from '../tokens';
import { SidecarConnection } from './sidecarConnection';
import { sidecarWebSocketUrl } from './websocketUrl';

/** Provides the page's one connection to the Tunelab sidecar. */
export const connectionPlugin: JupyterFrontEndPlugin<ISidecarConnection> = {
  id: 'tunelab:connection',
  description: 'The websocket connection to the Tunelab sidecar, through the Jupyter server.',
  autoStart: true,
  provides: ISidecarConnection,
  activate: (app: JupyterFrontEnd): ISidecarConnection => {
    const settings = app.serviceManager.serverSettings;
    const connection = new SidecarConnection({
      url: sidecarWebSocketUrl(settings),
      WebSocket: settings.WebSocket,
      clientName: `jupyterlab ${app.version}`
    });
    connection.statusChanged.connect((_, status) => console.debug(`Tunelab: sidecar connection ${status}`));
    return connection;
  }
};
