import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabelerTracker, DEFAULT_LABELER_SETTINGS } from '../labeler/labelerTracker';
import { installLabelerKeyboard } from '../labeler/labelerKeyboard';
import { isLabelFormat, LABEL_FORMATS, labelFormatInfo } from '../labels/labelFormats';
import {
  CommandIDs,
  ILabelerActions,
  ILabelerSettings,
  ILabelerTracker,
  ISidecarConnection,
  SIDEBAR_ID
} from '../tokens';
import { runExportLabels, runImportLabels } from './labelFileCommands';
import { BackendPreferenceSync } from '../connection/backendPreference';
import { BackendPreference, validate } from '../../protocol';

/**
 * Registers the labeler commands (shortcuts in schema/plugin.json, whose id
 * this plugin's id must match), reads the settings and tracks the panels.
 */
export const commandsPlugin: JupyterFrontEndPlugin<ILabelerTracker> = {
  id: 'tunelab:plugin',
  description: 'Tunelab commands, keyboard shortcuts and settings.',
  autoStart: true,
  provides: ILabelerTracker,
  requires: [ISidecarConnection],
  optional: [ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ISidecarConnection,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): ILabelerTracker => {
    const tracker = new LabelerTracker();
    const { commands } = app;
    const onActive = (label: string, act: (panel: ILabelerActions) => void) => ({
      label,
      isEnabled: () => tracker.active !== null,
      execute: () => {
        if (tracker.active) {
          act(tracker.active);
        }
      }
    });

    commands.addCommand(
      CommandIDs.submit,
      onActive('Submit Answer', panel => panel.submit())
    );
    commands.addCommand(
      CommandIDs.acceptPrediction,
      onActive('Accept Prediction', panel => panel.acceptPrediction())
    );
    commands.addCommand(
      CommandIDs.skip,
      onActive('Skip Question', panel => panel.skip())
    );
    commands.addCommand(
      CommandIDs.undo,
      onActive('Undo Last Answer', panel => panel.undo())
    );
    commands.addCommand(
      CommandIDs.invert,
      onActive('Invert Selection', panel => panel.invert())
    );
    commands.addCommand(CommandIDs.toggleCandidate, {
      label: args => (typeof args.index === 'number' ? `Toggle Candidate ${args.index + 1}` : 'Toggle Candidate'),
      isEnabled: () => tracker.active !== null,
      execute: args => {
        if (tracker.active && typeof args.index === 'number') {
          tracker.active.toggle(args.index);
        }
      },
      describedBy: {
        args: {
          type: 'object',
          properties: { index: { type: 'integer', minimum: 0, description: 'Candidate position, 0-based' } },
          required: ['index']
        }
      }
    });
    commands.addCommand(
      CommandIDs.previousQuestion,
      onActive('Review Previous Answer', panel => panel.back())
    );
    commands.addCommand(
      CommandIDs.nextQuestion,
      onActive('Next Answer or Current Question', panel => panel.forward())
    );
    tracker.activeChanged.connect(() => commands.notifyCommandChanged());

    commands.addCommand(CommandIDs.openSidebar, {
      label: 'Open Tunelab Sidebar',
      caption: 'Show the live Tunelab labeling sessions',
      execute: () => app.shell.activateById(SIDEBAR_ID)
    });
    palette?.addItem({ command: CommandIDs.openSidebar, category: 'Tunelab' });

    // Label files of the session focused or selected in the sidebar last (or `args.sessionId`).
    commands.addCommand(CommandIDs.exportLabels, {
      label: args =>
        isLabelFormat(args.format) ? `Export Labels as ${labelFormatInfo(args.format).title}` : 'Export Labels…',
      caption: "Download a Tunelab session's labels as a file (JSON Lines, CSV, Label Studio, Hugging Face)",
      execute: args => runExportLabels(connection, tracker, args),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            sessionId: { type: 'string', description: 'Session to export; default: the one used last' },
            format: {
              type: 'string',
              enum: LABEL_FORMATS.map(info => info.format),
              description: 'Asked when omitted'
            }
          }
        }
      }
    });
    commands.addCommand(CommandIDs.importLabels, {
      label: 'Import Labels…',
      caption: 'Add the answers of a label file to a Tunelab session',
      execute: args => runImportLabels(connection, tracker, args),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            sessionId: { type: 'string', description: 'Session to import into; default: the one used last' }
          }
        }
      }
    });
    palette?.addItem({ command: CommandIDs.exportLabels, category: 'Tunelab' });
    palette?.addItem({ command: CommandIDs.importLabels, category: 'Tunelab' });

    installLabelerKeyboard(commands, tracker);

    if (settingRegistry) {
      const backendSync = new BackendPreferenceSync(connection);
      settingRegistry
        .load(commandsPlugin.id)
        .then(settings => {
          const apply = (): void => {
            tracker.settings = readSettings(settings.composite);
            backendSync.set(tracker.settings.backend);
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => console.error('Tunelab: cannot load the settings', reason));
    }
    return tracker;
  }
};

/** The settings in force. */
function readSettings(composite: ISettingRegistry.ISettings['composite']): ILabelerSettings {
  const autoFocus = typeof composite.autoFocus === 'boolean' ? composite.autoFocus : DEFAULT_LABELER_SETTINGS.autoFocus;
  const checked = validate(BackendPreference, composite.backend);
  const backend = checked.ok ? checked.value : DEFAULT_LABELER_SETTINGS.backend;
  return { autoFocus, backend };
}
