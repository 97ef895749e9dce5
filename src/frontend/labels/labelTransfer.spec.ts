import { ErrorCodes } from '../../protocol';
import { SidecarError } from '../connection/sidecarError';
import { FakeConnection } from '../testing/fakeConnection';
import { progress } from '../testing/fixtures';
import { exportLabels, importLabels, importedMessage, MAX_IMPORT_BYTES, transferFailure } from './labelTransfer';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('label transfer', () => {
  let connection: FakeConnection;

  beforeEach(() => {
    connection = new FakeConnection();
  });

  it('exports: the file comes as the binary payload of the result', async () => {
    const file = bytes('{"answerId":"a1"}\n');
    connection.handlers.exportLabels = ({ format }) =>
      Object.assign(
        { format, fileName: 'quickstart.labels.jsonl', mediaType: 'application/x-ndjson', count: 1 },
        { payload: file }
      );
    const exported = await exportLabels(connection, 's1', 'jsonl');
    expect(connection.paramsOf('exportLabels')).toEqual([{ sessionId: 's1', format: 'jsonl' }]);
    expect(exported.file).toEqual({
      fileName: 'quickstart.labels.jsonl',
      mediaType: 'application/x-ndjson',
      bytes: file
    });
    expect(exported.message).toBe('exported 1 answer to quickstart.labels.jsonl');
  });

  it('refuses an export result without a file', async () => {
    connection.handlers.exportLabels = ({ format }) => ({ format, fileName: 'x.csv', mediaType: 'text/csv', count: 3 });
    await expect(exportLabels(connection, 's1', 'csv')).rejects.toThrow(/labels\/export: the response carries no file/);
  });

  it('imports: sends the file bytes as the payload and says how many were new', async () => {
    connection.handlers.importLabels = () => ({ imported: 7, duplicates: 2, progress: progress({ done: 9 }) });
    const file = bytes('a,b\n');
    const imported = await importLabels(connection, 's1', 'csv', { name: 'old.labels.csv', bytes: file });
    expect(connection.paramsOf('importLabels')).toEqual([{ sessionId: 's1', format: 'csv', payload: file }]);
    expect(imported.message).toBe('old.labels.csv: imported 7 (2 already present)');
    expect(imported.progress.done).toBe(9);
  });

  it('refuses a file over the binary message limit without sending it', async () => {
    const huge = { name: 'huge.jsonl', bytes: new Uint8Array(MAX_IMPORT_BYTES + 1) };
    await expect(importLabels(connection, 's1', 'jsonl', huge)).rejects.toThrow(
      'huge.jsonl is too large to import: 67,043,329 bytes, the limit is 67,043,328'
    );
    expect(connection.calls).toEqual([]);
  });

  it("shows the sidecar's message, which names the line and field, without the method", async () => {
    connection.handlers.importLabels = () => {
      throw new SidecarError(
        "labels/import: line 3: 'relevantIds' must be a list of candidate ids: 9 is not in 'candidateIds'",
        ErrorCodes.BadData,
        'bad_data'
      );
    };
    const failed = importLabels(connection, 's1', 'jsonl', { name: 'a.jsonl', bytes: bytes('{}') });
    const error = await failed.catch((e: unknown) => e);
    expect(transferFailure('import', error)).toBe(
      "Import failed: line 3: 'relevantIds' must be a list of candidate ids: 9 is not in 'candidateIds'"
    );
    expect(transferFailure('export', new Error('boom'))).toBe('Export failed: boom');
  });

  it('words the import result as the panel shows it', () => {
    expect(importedMessage('f.csv', 0, 12)).toBe('f.csv: imported 0 (12 already present)');
  });
});
