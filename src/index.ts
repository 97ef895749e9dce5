/**
 * Tunelab's JupyterLab extension: the sidecar connection, the labeler
 * commands and settings, the cell widget, the sidebar and the session tabs.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { commandsPlugin } from './frontend/commands/plugin';
import { connectionPlugin } from './frontend/connection/plugin';
import { sidebarPlugin } from './frontend/sidebar/plugin';
import { tabPlugin } from './frontend/tab/plugin';
import { widgetPlugin } from './frontend/widget/plugin';

export * from './frontend/tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  connectionPlugin,
  commandsPlugin,
  widgetPlugin,
  sidebarPlugin,
  tabPlugin
];

export default plugins;
