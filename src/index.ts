/**
 * Tunelab's JupyterLab extension: the sidecar connection, the labeler
 * commands and settings, the cell widget and the sidebar.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { commandsPlugin } from './frontend/commands/plugin';
import { connectionPlugin } from './frontend/connection/plugin';
import { sidebarPlugin } from './frontend/sidebar/plugin';
import { widgetPlugin } from './frontend/widget/plugin';

export * from './frontend/tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [connectionPlugin, commandsPlugin, widgetPlugin, sidebarPlugin];

export default plugins;
