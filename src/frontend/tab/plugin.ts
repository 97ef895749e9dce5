import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { errorMessage } from '../connection/sidecarError';
import { CommandIDs, ILabelerTracker, ISidecarConnection } from '../tokens';
import { createSessionTab, sessionTabId } from './sessionTab';

/** `tunelab:open-session-tab {sessionId}`: a session's labeling panel in a main-area tab. */
export const tabPlugin: JupyterFrontEndPlugin<void> = {
  id: 'tunelab:session-tab',
  description: 'Opens a Tunelab labeling session in a main-area tab.',
  autoStart: true,
  requires: [ISidecarConnection, ILabelerTracker],
  activate: (app: JupyterFrontEnd, connection: ISidecarConnection, tracker: ILabelerTracker): void => {
    app.commands.addCommand(CommandIDs.openSessionTab, {
      label: 'Open Labeling Session in a Tab',
      caption: 'Show a Tunelab session in the main area',
      execute: async args => {
        const sessionId = typeof args.sessionId === 'string' ? args.sessionId : '';
        if (!sessionId) {
          throw new Error(`${CommandIDs.openSessionTab} needs a sessionId`);
        }
        const id = sessionTabId(sessionId);
        const open = [...app.shell.widgets('main')].find(widget => widget.id === id);
        if (open) {
          app.shell.activateById(id);
          return;
        }
        const sessionName = typeof args.sessionName === 'string' ? args.sessionName : await nameOf(sessionId);
        app.shell.add(createSessionTab({ connection, tracker, sessionId, sessionName }), 'main');
        app.shell.activateById(id);
      },
      describedBy: {
        args: {
          type: 'object',
          properties: {
            sessionId: { type: 'string', description: 'Id of the session (SessionInfo.id)' },
            sessionName: { type: 'string', description: 'Tab title; fetched from the sidecar when omitted' }
          },
          required: ['sessionId']
        }
      }
    });

    /** The session's name for the tab title; its id when the sidecar cannot say. */
    const nameOf = async (sessionId: string): Promise<string> => {
      try {
        return (await connection.request('getSession', { sessionId })).name;
      } catch (error) {
        console.warn(`Tunelab: no name for session ${sessionId}: ${errorMessage(error)}`);
        return sessionId;
      }
    };
  }
};
