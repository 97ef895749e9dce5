import { Rng } from './random';

/**
 * Synthetic retrieval data for tests and benchmarks: `classes` Gaussian clusters whose class signal lives
 * in a `signalDim`-dimensional subspace, buried under larger isotropic nuisance noise in the remaining
 * dimensions, then randomly rotated. Raw or randomly-projected vectors give poor kNN; a model has to learn
 * which directions matter.
 */
export interface ClusteredData {
  rows: Float32Array;
  labels: Int32Array;
  dim: number;
}

export function makeClusteredData(opts: {
  n: number;
  dim: number;
  classes: number;
  signalDim?: number;
  separation?: number;
  noise?: number;
  seed?: number;
}): ClusteredData {
  const rng = new Rng(opts.seed ?? 7);
  const { n, dim, classes } = opts;
  const signalDim = opts.signalDim ?? Math.min(8, dim);
  const sep = opts.separation ?? 1;
  const noise = opts.noise ?? 2;
  const centers: number[][] = [];
  for (let c = 0; c < classes; c++) {
    centers.push(Array.from({ length: signalDim }, () => rng.normal() * sep));
  }
  // random rotation: Gram–Schmidt on a Gaussian matrix
  const q: number[][] = [];
  for (let i = 0; i < dim; i++) {
    const v = Array.from({ length: dim }, () => rng.normal());
    for (const u of q) {
      const d = v.reduce((s, x, k) => s + x * u[k], 0);
      for (let k = 0; k < dim; k++) {
        v[k] -= d * u[k];
      }
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map(x => x / norm));
  }
  const rows = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  const raw = new Array<number>(dim);
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes);
    labels[i] = c;
    for (let k = 0; k < dim; k++) {
      raw[k] = k < signalDim ? centers[c][k] + 0.3 * rng.normal() : noise * rng.normal();
    }
    for (let k = 0; k < dim; k++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        s += q[k][j] * raw[j];
      }
      rows[i * dim + k] = s;
    }
  }
  return { rows, labels, dim };
}

/** Leave-one-out-free kNN accuracy: each test vector voted by its k most cosine-similar reference vectors. */
export function knnAccuracy(
  ref: Float32Array,
  refLabels: Int32Array,
  test: Float32Array,
  testLabels: Int32Array,
  dim: number,
  k = 5
): number {
  const nRef = refLabels.length;
  const norm = (a: Float32Array, i: number) => {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      s += a[i * dim + j] ** 2;
    }
    return Math.sqrt(s) || 1;
  };
  const refNorms = Array.from({ length: nRef }, (_, i) => norm(ref, i));
  let correct = 0;
  for (let t = 0; t < testLabels.length; t++) {
    const tn = norm(test, t);
    const sims: [number, number][] = [];
    for (let r = 0; r < nRef; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        s += test[t * dim + j] * ref[r * dim + j];
      }
      sims.push([s / (tn * refNorms[r]), refLabels[r]]);
    }
    sims.sort((a, b) => b[0] - a[0]);
    const votes = new Map<number, number>();
    for (const [, l] of sims.slice(0, k)) {
      votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best = -1;
    let bestVotes = -1;
    for (const [l, v] of votes) {
      if (v > bestVotes) {
        best = l;
        bestVotes = v;
      }
    }
    if (best === testLabels[t]) {
      correct++;
    }
  }
  return correct / testLabels.length;
}
