import type { Neighbour } from '../index/exactKnn';

/** A row's ranked neighbours (top-K + hard negatives) as one model version's embeddings saw them. */
export interface CachedNeighbours {
  row: number;
  modelVersion: number;
  neighbours: Neighbour[];
}

/**
 * Neighbour lists already computed by background scans, so the request path never has to scan the pool:
 * rows of questions built (an undone or handed-back query is asked again from here), and "leftovers" —
 * rows an active-scoring scan ranked but did not pick, served when the prepared queue runs dry. Entries
 * keep the model version that produced them; a question built from one says so in `modelVersion`.
 */
export class NeighbourCache {
  private readonly byRow = new Map<number, CachedNeighbours>();
  /** Rows scanned but not picked, oldest first (a Set keeps insertion order). */
  private readonly leftovers = new Set<number>();

  constructor(private readonly maxLeftovers = 1024) {}

  get size(): number {
    return this.byRow.size;
  }

  get leftoverCount(): number {
    return this.leftovers.size;
  }

  put(entry: CachedNeighbours, leftover = false): void {
    const known = this.byRow.get(entry.row);
    if (known !== undefined && known.modelVersion > entry.modelVersion) {
      return;
    }
    this.byRow.set(entry.row, entry);
    if (leftover) {
      this.leftovers.delete(entry.row);
      this.leftovers.add(entry.row);
      while (this.leftovers.size > this.maxLeftovers) {
        const oldest = this.leftovers.values().next().value as number;
        this.leftovers.delete(oldest);
        this.byRow.delete(oldest);
      }
    }
  }

  /** The row's entry if it holds at least `wanted` neighbours. */
  get(row: number, wanted: number): CachedNeighbours | undefined {
    const entry = this.byRow.get(row);
    return entry !== undefined && entry.neighbours.length >= wanted ? entry : undefined;
  }

  /** Leftover rows, most recent first, for which `keep` holds (others are dropped as leftovers). */
  leftoverRows(keep: (row: number) => boolean): number[] {
    const rows: number[] = [];
    for (const row of this.leftovers) {
      if (keep(row)) {
        rows.push(row);
      } else {
        this.leftovers.delete(row);
      }
    }
    return rows.reverse();
  }

  /** Leftover rows (fresh by `keep`) whose entry is from `modelVersion`, most recent first. */
  currentLeftovers(modelVersion: number, keep: (row: number) => boolean): CachedNeighbours[] {
    return this.leftoverRows(keep)
      .map(row => this.byRow.get(row) as CachedNeighbours)
      .filter(entry => entry.modelVersion === modelVersion);
  }

  /** The row is no longer a leftover (it was asked); its entry stays for a later repeat. */
  used(row: number): void {
    this.leftovers.delete(row);
  }

  clear(): void {
    this.byRow.clear();
    this.leftovers.clear();
  }
}
