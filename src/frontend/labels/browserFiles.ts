import type { ILabelFile } from './labelTransfer';

/** What `downloadFile` needs from the page; the real one by default, fakes in tests. */
export interface IDownloadEnvironment {
  readonly document: Pick<Document, 'createElement' | 'body'>;
  readonly URL: Pick<typeof URL, 'createObjectURL' | 'revokeObjectURL'>;
}

/** Long enough for the browser to start reading the blob; then its memory is released. */
const REVOKE_AFTER_MS = 10_000;

/** Saves `file` through the browser's download: a Blob, an object URL and a temporary `<a download>`. */
export function downloadFile(file: ILabelFile, env: IDownloadEnvironment = { document, URL }): void {
  const blob = new Blob([file.bytes], { type: file.mediaType });
  const href = env.URL.createObjectURL(blob);
  const link = env.document.createElement('a');
  link.href = href;
  link.download = file.fileName;
  link.style.display = 'none';
  env.document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => env.URL.revokeObjectURL(href), REVOKE_AFTER_MS);
}

/**
 * Asks the user for one file (a temporary `<input type="file">`), for commands run from the palette.
 * Resolves with `null` when the dialog is cancelled (where the browser reports it).
 */
export function pickFile(accept: string): Promise<File | null> {
  return new Promise(resolve => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => resolve(null), { once: true });
    input.click();
  });
}

/** A picked file's name and bytes, as `importLabels` sends them. */
export async function readFile(file: File): Promise<{ name: string; bytes: Uint8Array }> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}
