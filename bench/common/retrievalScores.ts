/**
 * The label-efficiency scores, shared by bench/sidecar/labelEfficiency.ts and mirrored by
 * bench/baselines/setfit_baseline.py (tests/test_bench_scoring.py holds them equal): kNN accuracy and
 * mAP@K of held-out rows retrieving pool rows by cosine, relevant = same class.
 */

/** Neighbours per held-out row: kNN votes and the mAP cut-off. */
export const K = 10;

function normalized(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors);
  for (let i = 0; i < out.length / dim; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      s += out[i * dim + d] ** 2;
    }
    const n = Math.sqrt(s) || 1;
    for (let d = 0; d < dim; d++) {
      out[i * dim + d] /= n;
    }
  }
  return out;
}

/** kNN accuracy (k = K, majority, ties to the nearer) and mAP@K of test rows retrieving pool rows by cosine. */
export function retrievalScores(
  pool: Float32Array,
  poolLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  dim: number
): { knn: number; map: number } {
  const p = normalized(pool, dim);
  const t = normalized(test, dim);
  const nPool = poolLabels.length;
  let correct = 0;
  let apSum = 0;
  const scores = new Float32Array(nPool);
  for (let q = 0; q < testLabels.length; q++) {
    for (let r = 0; r < nPool; r++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        s += t[q * dim + d] * p[r * dim + d];
      }
      scores[r] = s;
    }
    const top = Array.from(scores.keys())
      .sort((a, b) => scores[b] - scores[a])
      .slice(0, K);
    const votes = new Map<number, number>();
    top.forEach((r, rank) => votes.set(poolLabels[r], (votes.get(poolLabels[r]) ?? 0) + 1 + (K - rank) * 1e-6));
    const predicted = [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
    correct += predicted === testLabels[q] ? 1 : 0;
    let hits = 0;
    let precisionSum = 0;
    top.forEach((r, rank) => {
      if (poolLabels[r] === testLabels[q]) {
        hits++;
        precisionSum += hits / (rank + 1);
      }
    });
    apSum += hits > 0 ? precisionSum / hits : 0;
  }
  return { knn: correct / testLabels.length, map: apSum / testLabels.length };
}
