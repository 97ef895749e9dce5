import type { Item, ItemId } from '../../protocol/messages';
import type { PoolChunk } from '../data/poolChunk';
import { thumbnailDataUrl } from '../data/thumbnail';
import { badData } from '../errors';

/**
 * The pool's items as annotators see them, found by row or by id. Image items keep their pixels so their
 * PNG thumbnail is made the first time the item is shown, then cached.
 */
export class ItemPool {
  private readonly items: Item[] = [];
  private readonly rowById = new Map<string, number>();
  private readonly rowByIndex = new Map<number, number>();
  private readonly pixels: Uint8Array[] = [];
  private readonly thumbnails = new Map<number, string>();

  /** `imageShape` [H, W, C] for image sessions. */
  constructor(private readonly imageShape?: readonly number[]) {}

  get size(): number {
    return this.items.length;
  }

  /** Item ids are what answers refer to, so they must be unique across the pool. */
  checkNewIds(items: readonly Item[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = idKey(item.id);
      if (this.rowById.has(key) || seen.has(key)) {
        throw badData(`row ${item.index}: id ${JSON.stringify(item.id)} occurs more than once`, item.index);
      }
      seen.add(key);
    }
  }

  add(chunk: PoolChunk): void {
    const rowSize = chunk.pixels ? chunk.pixels.length / Math.max(1, chunk.items.length) : 0;
    chunk.items.forEach((item, i) => {
      this.rowById.set(idKey(item.id), this.items.length);
      this.rowByIndex.set(item.index, this.items.length);
      this.items.push(item);
      if (chunk.pixels) {
        this.pixels.push(chunk.pixels.subarray(i * rowSize, (i + 1) * rowSize));
      }
    });
  }

  rowOf(id: ItemId): number | undefined {
    return this.rowById.get(idKey(id));
  }

  /** The row of the item at `index` in the user's data. */
  rowOfIndex(index: number): number | undefined {
    return this.rowByIndex.get(index);
  }

  /** The item of `row` without its thumbnail: its id, index and text (if any). */
  ref(row: number): Item {
    return { ...this.items[row] };
  }

  /** The item of `row` for a question, with its image thumbnail. */
  item(row: number): Item {
    const item = this.items[row];
    if (this.imageShape === undefined || this.pixels[row] === undefined) {
      return { ...item };
    }
    let image = this.thumbnails.get(row);
    if (image === undefined) {
      const [height, width, channels] = this.imageShape;
      image = thumbnailDataUrl(this.pixels[row], height, width, channels);
      this.thumbnails.set(row, image);
    }
    return { ...item, image };
  }
}

/** Keys that keep 1 and "1" apart. */
export function idKey(id: ItemId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
