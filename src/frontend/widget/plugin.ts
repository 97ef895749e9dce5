import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import { CommandIDs, ILabelerTracker, ISidecarConnection } from '../tokens';
import { LabelerModel } from './labelerModel';
import { createLabelerView } from './labelerView';
import { MODULE_NAME, MODULE_VERSION } from './version';

/** Registers the `tunelab` ipywidgets module: the labeling panel shown by `session` in a cell. */
export const widgetPlugin: JupyterFrontEndPlugin<void> = {
  id: 'tunelab:widget',
  description: 'The Tunelab labeling widget for notebook cells.',
  autoStart: true,
  requires: [IJupyterWidgetRegistry, ISidecarConnection, ILabelerTracker],
  activate: (
    app: JupyterFrontEnd,
    registry: IJupyterWidgetRegistry,
    connection: ISidecarConnection,
    tracker: ILabelerTracker
  ): void => {
    const openInTab = (sessionId: string, sessionName: string): void =>
      void app.commands.execute(CommandIDs.openSessionTab, { sessionId, ...(sessionName ? { sessionName } : {}) });
    registry.registerWidget({
      name: MODULE_NAME,
      version: MODULE_VERSION,
      exports: { LabelerModel, LabelerView: createLabelerView({ connection, tracker, openInTab }) }
    });
  }
};
