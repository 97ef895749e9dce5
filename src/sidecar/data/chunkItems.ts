import { createHash } from 'node:crypto';
import type { ItemId } from '../../protocol/messages';
import type { PoolChunk } from './poolChunk';

/**
 * Hex SHA-1 of an item's id and content. Re-adding the same data to a dataset gives the same hashes, so
 * nothing is added twice; the id takes part so two rows with equal content but different ids stay apart.
 */
export function contentHashes(chunk: PoolChunk): string[] {
  const rows = chunk.items.length;
  const rowSize = chunk.vectors
    ? chunk.vectors.length / Math.max(1, rows)
    : chunk.pixels
      ? chunk.pixels.length / Math.max(1, rows)
      : 0;
  return chunk.items.map((item, i) => {
    const hash = createHash('sha1');
    hash.update(idText(item.id));
    hash.update('\0');
    if (chunk.texts) {
      hash.update(chunk.texts[i]);
    } else if (chunk.vectors) {
      const row = chunk.vectors.subarray(i * rowSize, (i + 1) * rowSize);
      hash.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    } else if (chunk.pixels) {
      hash.update(chunk.pixels.subarray(i * rowSize, (i + 1) * rowSize));
    }
    return hash.digest('hex');
  });
}

/** The chunk restricted to the rows at `positions` (ascending), content arrays copied. */
export function selectRows(chunk: PoolChunk, positions: readonly number[]): PoolChunk {
  if (positions.length === chunk.items.length) {
    return chunk;
  }
  const rows = chunk.items.length;
  const out: PoolChunk = { items: positions.map(p => chunk.items[p]) };
  if (chunk.texts) {
    const texts = chunk.texts;
    out.texts = positions.map(p => texts[p]);
  }
  if (chunk.vectors) {
    out.vectors = gather(chunk.vectors, rows, positions, new Float32Array(0)) as Float32Array;
  }
  if (chunk.pixels) {
    out.pixels = gather(chunk.pixels, rows, positions, new Uint8Array(0)) as Uint8Array;
  }
  return out;
}

function gather(
  values: Float32Array | Uint8Array,
  rows: number,
  positions: readonly number[],
  empty: Float32Array | Uint8Array
): Float32Array | Uint8Array {
  const size = values.length / Math.max(1, rows);
  const out =
    empty instanceof Float32Array ? new Float32Array(positions.length * size) : new Uint8Array(positions.length * size);
  positions.forEach((p, i) => out.set(values.subarray(p * size, (p + 1) * size), i * size));
  return out;
}

/** 1 and "1" hash apart. */
function idText(id: ItemId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
