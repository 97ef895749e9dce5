import { InputDialog, Notification } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { LabelFormat } from '../../protocol';
import { downloadFile, pickFile, readFile } from '../labels/browserFiles';
import {
  formatsForFile,
  isLabelFormat,
  LABEL_FILE_ACCEPT,
  LABEL_FORMATS,
  labelFormatInfo
} from '../labels/labelFormats';
import { exportLabels, importLabels, transferFailure } from '../labels/labelTransfer';
import { ILabelerTracker, ISidecarConnection } from '../tokens';

/**
 * `tunelab:export-labels {sessionId?, format?}`: downloads the session's labels; asks for the format
 * when none is given. The session is `sessionId`, else the one focused or selected last, else asked.
 */
export async function runExportLabels(
  connection: ISidecarConnection,
  tracker: ILabelerTracker,
  args: ReadonlyPartialJSONObject
): Promise<void> {
  try {
    const sessionId = await chooseSession(connection, tracker, args, 'Export labels');
    const format = isLabelFormat(args.format)
      ? args.format
      : await chooseFormat(
          LABEL_FORMATS.map(info => info.format),
          'Export labels as'
        );
    if (sessionId === null || format === null) {
      return;
    }
    const exported = await exportLabels(connection, sessionId, format);
    downloadFile(exported.file);
    Notification.success(`Tunelab: ${exported.message}`, { autoClose: 5000 });
  } catch (error) {
    Notification.error(`Tunelab: ${transferFailure('export', error)}`, { autoClose: false });
  }
}

/**
 * `tunelab:import-labels {sessionId?}`: picks a label file and adds its answers to the session; the
 * format follows from the extension, or is asked when `.jsonl` leaves it open.
 */
export async function runImportLabels(
  connection: ISidecarConnection,
  tracker: ILabelerTracker,
  args: ReadonlyPartialJSONObject
): Promise<void> {
  try {
    const sessionId = await chooseSession(connection, tracker, args, 'Import labels');
    if (sessionId === null) {
      return;
    }
    const file = await pickFile(LABEL_FILE_ACCEPT);
    if (!file) {
      return;
    }
    const format = await chooseFormat(formatsForFile(file.name), `Format of ${file.name}`);
    if (format === null) {
      return;
    }
    const imported = await importLabels(connection, sessionId, format, await readFile(file));
    Notification.success(`Tunelab: ${imported.message}`, { autoClose: 5000 });
  } catch (error) {
    Notification.error(`Tunelab: ${transferFailure('import', error)}`, { autoClose: false });
  }
}

/** The session to act on; with none chosen yet, the only live one, else the user picks by name. */
async function chooseSession(
  connection: ISidecarConnection,
  tracker: ILabelerTracker,
  args: ReadonlyPartialJSONObject,
  title: string
): Promise<string | null> {
  if (typeof args.sessionId === 'string' && args.sessionId) {
    return args.sessionId;
  }
  if (tracker.currentSessionId) {
    return tracker.currentSessionId;
  }
  const { sessions } = await connection.request('listSessions', {});
  if (sessions.length <= 1) {
    if (sessions.length === 0) {
      Notification.warning('Tunelab: no live session. Start one in a notebook with tunelab.label(data, name=…).');
    }
    return sessions[0]?.id ?? null;
  }
  const choice = await InputDialog.getItem({ title, label: 'Session', items: sessions.map(s => s.name) });
  return choice.button.accept ? (sessions.find(s => s.name === choice.value)?.id ?? null) : null;
}

/** The one format there is, or the user's pick among several; `null` when cancelled. */
async function chooseFormat(choices: readonly LabelFormat[], title: string): Promise<LabelFormat | null> {
  if (choices.length === 1) {
    return choices[0];
  }
  const titles = choices.map(format => labelFormatInfo(format).title);
  const choice = await InputDialog.getItem({ title, label: 'Format', items: titles, current: 0 });
  if (!choice.button.accept) {
    return null;
  }
  return choices[titles.indexOf(choice.value ?? '')] ?? null;
}
