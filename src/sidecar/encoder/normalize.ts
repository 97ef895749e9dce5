/**
 * L2-normalises row-major `vectors` (`dim` values a row) in place and returns them. A tuned encoder's
 * version-0 embeddings come from the frozen encoder's cache, which holds what its pipeline outputs
 * (normalised or not); the tuned model's own outputs are always normalised, and every version must agree.
 */
export function normalizeRowsInPlace(vectors: Float32Array, dim: number): Float32Array {
  for (let at = 0; at < vectors.length; at += dim) {
    let sum = 0;
    for (let j = at; j < at + dim; j++) {
      sum += vectors[j] * vectors[j];
    }
    const scale = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let j = at; j < at + dim; j++) {
      vectors[j] *= scale;
    }
  }
  return vectors;
}
