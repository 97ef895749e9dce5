import { encodePng } from './png';

/** Longest side of the thumbnails shown in the labeling panel. */
export const THUMBNAIL_MAX_SIDE = 96;

/** Box-filter downscale of HWC pixels so neither side exceeds `maxSide` (no upscaling). */
export function downscale(
  pixels: Uint8Array,
  height: number,
  width: number,
  channels: number,
  maxSide = THUMBNAIL_MAX_SIDE
): { pixels: Uint8Array; height: number; width: number } {
  const factor = Math.max(1, Math.ceil(Math.max(height, width) / maxSide));
  if (factor === 1) {
    return { pixels, height, width };
  }
  const h = Math.ceil(height / factor);
  const w = Math.ceil(width / factor);
  const out = new Uint8Array(h * w * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        let count = 0;
        for (let sy = y * factor; sy < Math.min(height, (y + 1) * factor); sy++) {
          for (let sx = x * factor; sx < Math.min(width, (x + 1) * factor); sx++) {
            sum += pixels[(sy * width + sx) * channels + c];
            count++;
          }
        }
        out[(y * w + x) * channels + c] = Math.round(sum / count);
      }
    }
  }
  return { pixels: out, height: h, width: w };
}

/** A `data:image/png;base64,…` thumbnail (≤ THUMBNAIL_MAX_SIDE px a side) of one HWC image. */
export function thumbnailDataUrl(pixels: Uint8Array, height: number, width: number, channels: number): string {
  const small = downscale(pixels, height, width, channels);
  return `data:image/png;base64,${encodePng(small.width, small.height, channels, small.pixels).toString('base64')}`;
}
