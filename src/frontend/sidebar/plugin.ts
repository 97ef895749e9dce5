import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { SidePanel } from '@jupyterlab/ui-components';
import { tunelabIcon } from '../icons';
import { CommandIDs, ILabelerTracker, ISidecarConnection, SIDEBAR_ID } from '../tokens';
import { SessionsModel } from './sessionsModel';
import { SessionsSidebarBody } from './sessionsSidebar';

/** The right-hand sidebar listing the live sessions and their progress. */
export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'tunelab:sidebar',
  description: 'A sidebar with the live Tunelab sessions and the sidecar connection status.',
  autoStart: true,
  requires: [ISidecarConnection, ILabelerTracker],
  activate: (app: JupyterFrontEnd, connection: ISidecarConnection, tracker: ILabelerTracker): void => {
    const model = new SessionsModel(connection);
    const panel = new SidePanel();
    panel.id = SIDEBAR_ID;
    panel.title.icon = tunelabIcon;
    panel.title.caption = 'Tunelab sessions';
    panel.addClass('tl-Sidebar');
    const openInTab = (session: { id: string; name: string }): void =>
      void app.commands.execute(CommandIDs.openSessionTab, { sessionId: session.id, sessionName: session.name });
    panel.addWidget(new SessionsSidebarBody(model, connection, tracker, openInTab));
    panel.disposed.connect(() => model.dispose());
    app.shell.add(panel, 'right', { rank: 1000 });
  }
};
