import { EmbeddingMatrix } from '../index/embeddingMatrix';

/** p(relevant | cosine s) = σ(slope · (s − threshold)), fitted on the session's labeled pairs. */
export interface RelevanceModel {
  threshold: number;
  slope: number;
}

export interface LabeledSimilarity {
  score: number;
  relevant: boolean;
}

/**
 * 1-D logistic regression of relevance on similarity (Newton steps, small ridge on the slope). Needs both
 * relevant and irrelevant examples; undefined otherwise, or when similarity does not rank relevance at all.
 */
export function fitRelevanceModel(examples: readonly LabeledSimilarity[]): RelevanceModel | undefined {
  const positives = examples.filter(e => e.relevant).length;
  if (positives === 0 || positives === examples.length) {
    return undefined;
  }
  let w = 10;
  const mean = examples.reduce((s, e) => s + e.score, 0) / examples.length;
  let b = -w * mean;
  const ridge = 1e-3;
  for (let iter = 0; iter < 25; iter++) {
    let gw = ridge * w;
    let gb = 0;
    let hww = ridge;
    let hwb = 0;
    let hbb = 1e-9;
    for (const { score, relevant } of examples) {
      const p = 1 / (1 + Math.exp(-(w * score + b)));
      const r = p - (relevant ? 1 : 0);
      const v = p * (1 - p);
      gw += r * score;
      gb += r;
      hww += v * score * score;
      hwb += v * score;
      hbb += v;
    }
    const det = hww * hbb - hwb * hwb;
    if (!(Math.abs(det) > 1e-12)) {
      break;
    }
    const dw = (hbb * gw - hwb * gb) / det;
    const db = (hww * gb - hwb * gw) / det;
    w = Math.max(-200, Math.min(200, w - dw));
    b = Math.max(-400, Math.min(400, b - db));
    if (Math.abs(dw) + Math.abs(db) < 1e-6) {
      break;
    }
  }
  if (!(w > 0)) {
    return undefined;
  }
  return { threshold: -b / w, slope: w };
}

/** Mean binary entropy (bits) of the candidates' predicted relevance: high when they sit near the margin. */
export function expectedEntropy(scores: readonly number[], model: RelevanceModel): number {
  if (scores.length === 0) {
    return 0;
  }
  let sum = 0;
  for (const s of scores) {
    const p = 1 / (1 + Math.exp(-model.slope * (s - model.threshold)));
    if (p > 1e-9 && p < 1 - 1e-9) {
      sum -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
    }
  }
  return sum / scores.length;
}

/**
 * For each candidate row: 1 − max cosine to any of `asked` (2 when nothing was asked yet): k-center's
 * distance. Time-sliced like the scans (it is candidates × asked × dim multiply-adds).
 */
export async function distanceToAsked(
  matrix: EmbeddingMatrix,
  candidates: readonly number[],
  asked: readonly number[],
  sliceMs = 4
): Promise<Float32Array> {
  const dim = matrix.dim;
  const data = matrix.view();
  const out = new Float32Array(candidates.length).fill(2);
  if (asked.length === 0) {
    return out;
  }
  let sliceStart = performance.now();
  for (let i = 0; i < candidates.length; i++) {
    const cb = candidates[i] * dim;
    let best = -Infinity;
    for (const a of asked) {
      const ab = a * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        s += data[cb + d] * data[ab + d];
      }
      if (s > best) {
        best = s;
      }
    }
    out[i] = 1 - best;
    if (performance.now() - sliceStart > sliceMs) {
      await new Promise<void>(resolve => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}
