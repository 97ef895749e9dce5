import type { LabelFormat, Progress } from '../../protocol';
import { LIMITS, Requests } from '../../protocol';
import { resultPayload } from '../connection/binaryPayload';
import { errorMessage } from '../connection/sidecarError';
import { ISidecarConnection } from '../tokens';

/** A file to save in the browser. */
export interface ILabelFile {
  readonly fileName: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

export interface IExportedLabels {
  readonly file: ILabelFile;
  readonly format: LabelFormat;
  /** Answers in the file. */
  readonly count: number;
  readonly message: string;
}

export interface IImportedLabels {
  readonly imported: number;
  /** Answers whose id the session already had (importing twice is safe). */
  readonly duplicates: number;
  readonly progress: Progress;
  readonly message: string;
}

/**
 * Room left for the JSON-RPC header in a binary message; a bigger file is refused here, before
 * sending, rather than by the sidecar after the upload.
 */
const HEADER_ALLOWANCE = 64 * 1024;
export const MAX_IMPORT_BYTES = LIMITS.maxBinaryMessageBytes - HEADER_ALLOWANCE;

/** The session's labels as a file (`labels/export`, a binary response). */
export async function exportLabels(
  connection: ISidecarConnection,
  sessionId: string,
  format: LabelFormat
): Promise<IExportedLabels> {
  const result = await connection.request('exportLabels', { sessionId, format });
  const bytes = resultPayload(result, Requests.exportLabels.method);
  return {
    file: { fileName: result.fileName, mediaType: result.mediaType, bytes },
    format: result.format,
    count: result.count,
    message: exportedMessage(result.count, result.fileName)
  };
}

/** Adds the answers of a label file to the session (`labels/import`, a binary request). */
export async function importLabels(
  connection: ISidecarConnection,
  sessionId: string,
  format: LabelFormat,
  file: { readonly name: string; readonly bytes: Uint8Array }
): Promise<IImportedLabels> {
  if (file.bytes.byteLength > MAX_IMPORT_BYTES) {
    throw new Error(
      `${file.name} is too large to import: ${byteCount(file.bytes.byteLength)} bytes, the limit is ` +
        `${byteCount(MAX_IMPORT_BYTES)} (one message to the sidecar carries at most 64 MiB)`
    );
  }
  const result = await connection.request('importLabels', { sessionId, format, payload: file.bytes });
  return { ...result, message: importedMessage(file.name, result.imported, result.duplicates) };
}

export function exportedMessage(count: number, fileName: string): string {
  return `exported ${count === 1 ? '1 answer' : `${count} answers`} to ${fileName}`;
}

export function importedMessage(fileName: string, imported: number, duplicates: number): string {
  return `${fileName}: imported ${imported} (${duplicates} already present)`;
}

/**
 * Why an export or import failed, for the user: the sidecar's message (it names the line or field of
 * a bad file) without the method name.
 */
export function transferFailure(action: 'export' | 'import', error: unknown): string {
  const method = action === 'export' ? Requests.exportLabels.method : Requests.importLabels.method;
  const message = errorMessage(error);
  const reason = message.startsWith(`${method}: `) ? message.slice(method.length + 2) : message;
  return `${action === 'export' ? 'Export' : 'Import'} failed: ${reason}`;
}

function byteCount(bytes: number): string {
  return bytes.toLocaleString('en-US');
}
