import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import { ILabelerTracker, ISidecarConnection } from '../tokens';
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
    _app: JupyterFrontEnd,
    registry: IJupyterWidgetRegistry,
    connection: ISidecarConnection,
    tracker: ILabelerTracker
  ): void => {
    registry.registerWidget({
      name: MODULE_NAME,
      version: MODULE_VERSION,
      exports: { LabelerModel, LabelerView: createLabelerView({ connection, tracker }) }
    });
  }
};
