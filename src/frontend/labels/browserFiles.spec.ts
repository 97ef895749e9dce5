import { downloadFile } from './browserFiles';

describe('downloadFile', () => {
  it('clicks a temporary download link to an object URL of the bytes, then revokes it', async () => {
    jest.useFakeTimers();
    const clicked: { href: string; download: string }[] = [];
    const appended: unknown[] = [];
    const link = {
      href: '',
      download: '',
      style: { display: '' },
      click: () => clicked.push({ href: link.href, download: link.download }),
      remove: jest.fn()
    };
    const blobs: Blob[] = [];
    const revoked: string[] = [];
    const env = {
      document: {
        createElement: () => link,
        body: { appendChild: (node: unknown) => appended.push(node) }
      },
      URL: {
        createObjectURL: (blob: Blob) => {
          blobs.push(blob);
          return 'blob:tunelab/1';
        },
        revokeObjectURL: (url: string) => revoked.push(url)
      }
    } as unknown as Parameters<typeof downloadFile>[1];

    downloadFile({ fileName: 'q.labels.csv', mediaType: 'text/csv', bytes: new Uint8Array([104, 105]) }, env);
    expect(clicked).toEqual([{ href: 'blob:tunelab/1', download: 'q.labels.csv' }]);
    expect(appended).toEqual([link]);
    expect(link.remove).toHaveBeenCalled();
    expect(blobs[0].type).toBe('text/csv');
    expect(await blobs[0].text()).toBe('hi');
    expect(revoked).toEqual([]);
    jest.runAllTimers();
    expect(revoked).toEqual(['blob:tunelab/1']);
    jest.useRealTimers();
  });
});
