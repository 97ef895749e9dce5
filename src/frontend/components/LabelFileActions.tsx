import React, { useState } from 'react';
import type { LabelFormat } from '../../protocol';
import { downloadFile, readFile } from '../labels/browserFiles';
import { exportLabels, importLabels, transferFailure } from '../labels/labelTransfer';
import { ISidecarConnection } from '../tokens';
import { ExportLabelsMenu } from './ExportLabelsMenu';
import { ImportLabelsButton } from './ImportLabelsButton';

type TransferStatus =
  { readonly state: 'idle' } | { readonly state: 'working' | 'done' | 'failed'; readonly message: string };

/** Export and import of a session's labels as files, with the outcome of the latest one. */
export function LabelFileActions(props: { connection: ISidecarConnection; sessionId: string }): JSX.Element {
  const { connection, sessionId } = props;
  const [status, setStatus] = useState<TransferStatus>({ state: 'idle' });
  const working = status.state === 'working';

  const onExport = async (format: LabelFormat): Promise<void> => {
    setStatus({ state: 'working', message: 'exporting…' });
    try {
      const exported = await exportLabels(connection, sessionId, format);
      downloadFile(exported.file);
      setStatus({ state: 'done', message: exported.message });
    } catch (error) {
      setStatus({ state: 'failed', message: transferFailure('export', error) });
    }
  };

  const onImport = async (file: File, format: LabelFormat): Promise<void> => {
    setStatus({ state: 'working', message: `importing ${file.name}…` });
    try {
      const imported = await importLabels(connection, sessionId, format, await readFile(file));
      setStatus({ state: 'done', message: imported.message });
    } catch (error) {
      setStatus({ state: 'failed', message: transferFailure('import', error) });
    }
  };

  return (
    <div className="tl-LabelFiles" data-testid="tl-label-files">
      <div className="tl-LabelFiles-buttons">
        <ExportLabelsMenu disabled={working} onExport={format => void onExport(format)} />
        <ImportLabelsButton disabled={working} onImport={(file, format) => void onImport(file, format)} />
      </div>
      {status.state === 'idle' ? null : (
        <div
          className={`tl-LabelFiles-status tl-mod-${status.state}`}
          data-testid="tl-label-files-status"
          data-state={status.state}
          role={status.state === 'failed' ? 'alert' : 'status'}
        >
          {status.message}
        </div>
      )}
    </div>
  );
}
