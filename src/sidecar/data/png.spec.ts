import { inflateSync } from 'node:zlib';
import { crc32, encodePng } from './png';
import { THUMBNAIL_MAX_SIDE, downscale, thumbnailDataUrl } from './thumbnail';

/** A minimal PNG reader for 8-bit, unfiltered images: checks signature and CRCs, returns the pixels. */
function decodePng(png: Buffer): { width: number; height: number; colorType: number; pixels: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  for (;;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
    if (type === 'IHDR') {
      header = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
  }
  const width = (header as Buffer).readUInt32BE(0);
  const height = (header as Buffer).readUInt32BE(4);
  const colorType = (header as Buffer)[9];
  const channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[colorType] as number;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    raw.copy(pixels, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  }
  return { width, height, colorType, pixels };
}

describe('PNG thumbnails', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it.each([1, 2, 3, 4])('round-trips %i-channel pixels through the encoder', channels => {
    const width = 5;
    const height = 3;
    const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
    const decoded = decodePng(encodePng(width, height, channels, pixels));
    expect(decoded).toMatchObject({ width, height });
    expect([...decoded.pixels]).toEqual([...pixels]);
  });

  it('downscales large images to at most 96 px a side by box filtering', () => {
    const pixels = new Uint8Array(200 * 100 * 3).fill(100);
    const small = downscale(pixels, 200, 100, 3);
    expect(Math.max(small.height, small.width)).toBeLessThanOrEqual(THUMBNAIL_MAX_SIDE);
    expect(small.pixels.every(v => v === 100)).toBe(true);
    const url = thumbnailDataUrl(pixels, 200, 100, 3);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const decoded = decodePng(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
    expect(decoded).toMatchObject({ width: small.width, height: small.height, colorType: 2 });
  });
});
