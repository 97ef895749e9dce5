import { EmbeddingMatrix } from './embeddingMatrix';
import { Neighbour } from './exactKnn';

/** Multiply-adds between checks of the time slice (≈ 1–2 ms of JS): the block of pool rows shrinks as queries grow. */
const BLOCK_WORK = 1.5e6;

export interface ScanControl {
  /** Yield to the event loop once a slice has run this long (default 4 ms). */
  sliceMs?: number;
  /** Polled between slices; returning true abandons the scan (result undefined). */
  cancelled?: () => boolean;
}

/**
 * Exact top-`k` neighbours (by dot product, self excluded) of several pool rows at once, scanning the
 * matrix block by block so each block is reused from cache by every query, and yielding to the event
 * loop between time slices so requests keep being answered while a 100k pool is scanned.
 */
export async function batchTopK(
  matrix: EmbeddingMatrix,
  queryRows: readonly number[],
  k: number,
  control: ScanControl = {}
): Promise<Neighbour[][] | undefined> {
  const dim = matrix.dim;
  const data = matrix.view();
  const n = matrix.size;
  const q = queryRows.length;
  const queries = new Float32Array(q * dim);
  queryRows.forEach((row, i) => queries.set(matrix.row(row), i * dim));
  const scores = new Float32Array(q * k).fill(-Infinity);
  const rows = new Int32Array(q * k).fill(-1);
  const sliceMs = control.sliceMs ?? 4;
  const blockRows = Math.max(16, Math.floor(BLOCK_WORK / Math.max(1, q * dim)));
  let sliceStart = performance.now();
  for (let block = 0; block < n; block += blockRows) {
    const end = Math.min(n, block + blockRows);
    for (let i = 0; i < q; i++) {
      const self = queryRows[i];
      const qBase = i * dim;
      const kBase = i * k;
      for (let row = block; row < end; row++) {
        if (row === self) {
          continue;
        }
        const base = row * dim;
        let s0 = 0;
        let s1 = 0;
        let d = 0;
        for (; d + 1 < dim; d += 2) {
          s0 += data[base + d] * queries[qBase + d];
          s1 += data[base + d + 1] * queries[qBase + d + 1];
        }
        if (d < dim) {
          s0 += data[base + d] * queries[qBase + d];
        }
        const score = s0 + s1;
        if (score <= scores[kBase + k - 1]) {
          continue;
        }
        let at = k - 1;
        while (at > 0 && scores[kBase + at - 1] < score) {
          scores[kBase + at] = scores[kBase + at - 1];
          rows[kBase + at] = rows[kBase + at - 1];
          at--;
        }
        scores[kBase + at] = score;
        rows[kBase + at] = row;
      }
    }
    if (performance.now() - sliceStart > sliceMs) {
      await new Promise<void>(resolve => setImmediate(resolve));
      if (control.cancelled?.()) {
        return undefined;
      }
      sliceStart = performance.now();
    }
  }
  return queryRows.map((_, i) => {
    const out: Neighbour[] = [];
    for (let j = 0; j < k && rows[i * k + j] >= 0; j++) {
      out.push({ row: rows[i * k + j], score: scores[i * k + j] });
    }
    return out;
  });
}
