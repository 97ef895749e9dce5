import { EmbeddingMatrix } from './embeddingMatrix';

export interface Neighbour {
  row: number;
  /** Cosine similarity (dot product of L2-normalised vectors). */
  score: number;
}

/**
 * Exact top-`k` rows by dot product with `query`, best first, skipping
 * `excludeRow` (the query's own row). Ties go to the lower row so results are
 * deterministic. A linear scan: fine up to a few hundred thousand rows.
 */
export function exactTopK(matrix: EmbeddingMatrix, query: Float32Array, k: number, excludeRow = -1): Neighbour[] {
  const dim = matrix.dim;
  if (query.length !== dim) {
    throw new Error(`query has ${query.length} dims, the matrix ${dim}`);
  }
  if (k <= 0) {
    return [];
  }
  const data = matrix.view();
  const best: Neighbour[] = [];
  for (let row = 0; row < matrix.size; row++) {
    if (row === excludeRow) {
      continue;
    }
    const score = dot(data, row * dim, query);
    if (best.length === k && score <= best[k - 1].score) {
      continue;
    }
    insertSorted(best, { row, score }, k);
  }
  return best;
}

/** Dot product of `query` with the row starting at `base`; four accumulators let V8 pipeline the multiplies. */
function dot(data: Float32Array, base: number, query: Float32Array): number {
  const dim = query.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += data[base + i] * query[i];
    s1 += data[base + i + 1] * query[i + 1];
    s2 += data[base + i + 2] * query[i + 2];
    s3 += data[base + i + 3] * query[i + 3];
  }
  for (; i < dim; i++) {
    s0 += data[base + i] * query[i];
  }
  return s0 + s1 + s2 + s3;
}

/** Inserts into a list sorted by descending score, keeping at most `k` entries; equal scores keep insertion order. */
function insertSorted(best: Neighbour[], entry: Neighbour, k: number): void {
  let at = best.length;
  while (at > 0 && best[at - 1].score < entry.score) {
    at--;
  }
  best.splice(at, 0, entry);
  if (best.length > k) {
    best.pop();
  }
}
