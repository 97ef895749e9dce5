import { EngineError } from '../errors';
import { Rng } from '../training/random';

/**
 * Uncertainty of class probabilities, each in [0, 1] with 1 = most uncertain.
 * - `margin` (breaking ties): 1 − (p₁ − p₂), the gap between the two most likely classes.
 * - `least-confidence`: (1 − p₁) · C / (C − 1), so a uniform prediction scores 1.
 * - `entropy`: −Σ p log p / log C.
 * Multi-label rows are C independent yes/no decisions: margin and least-confidence score the least certain
 * decision (1 − min_c |2p_c − 1| and 2 − 2·min_c max(p_c, 1 − p_c)); entropy is the mean binary entropy.
 */
export type UncertaintyStrategy = 'margin' | 'least-confidence' | 'entropy';

export const UNCERTAINTY_STRATEGIES: readonly UncertaintyStrategy[] = ['margin', 'least-confidence', 'entropy'];

function checkProbs(probs: Float32Array, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new EngineError('bad_config', `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (probs.length % numClasses !== 0) {
    throw new EngineError(
      'shape_mismatch',
      `probabilities must hold whole rows of ${numClasses} classes, got ${probs.length} values`
    );
  }
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) {
      throw new EngineError('bad_data', `probability ${p} at row ${Math.floor(i / numClasses)} is not in [0, 1]`, {
        row: Math.floor(i / numClasses),
        column: i % numClasses
      });
    }
  }
  return probs.length / numClasses;
}

function binaryEntropy(p: number): number {
  return p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** One uncertainty score per row of `probs` (row-major n × numClasses). */
export function uncertaintyScores(
  probs: Float32Array,
  numClasses: number,
  strategy: UncertaintyStrategy,
  multiLabel = false
): Float32Array {
  const n = checkProbs(probs, numClasses);
  if (!UNCERTAINTY_STRATEGIES.includes(strategy)) {
    throw new EngineError(
      'bad_config',
      `unknown uncertainty strategy '${String(strategy)}' (${UNCERTAINTY_STRATEGIES.join(', ')})`
    );
  }
  const k = numClasses;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * k, (i + 1) * k);
    if (multiLabel) {
      let least = 1;
      let entropy = 0;
      for (const p of row) {
        least = Math.min(least, Math.abs(2 * p - 1));
        entropy += binaryEntropy(p);
      }
      out[i] = strategy === 'entropy' ? entropy / k : 1 - least;
      continue;
    }
    if (k === 1) {
      out[i] = 0;
      continue;
    }
    let first = -1;
    let second = -1;
    let entropy = 0;
    for (const p of row) {
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) {
        second = p;
      }
      if (p > 0) {
        entropy -= p * Math.log(p);
      }
    }
    if (strategy === 'margin') {
      out[i] = 1 - (first - second);
    } else if (strategy === 'least-confidence') {
      out[i] = Math.min(1, ((1 - first) * k) / (k - 1));
    } else {
      out[i] = Math.min(1, entropy / Math.log(k));
    }
  }
  return out;
}

export interface QueryChoiceInput {
  /** Candidate rows (e.g. not yet asked or labelled), indices into `probs`/`embeddings` rows. */
  candidates: readonly number[];
  /** Uncertainty per row (uncertaintyScores), indexed by row. */
  uncertainty: Float32Array;
  /** L2-normalised embeddings, row-major, `dim` values per row, indexed by row. */
  embeddings: Float32Array;
  dim: number;
  /** Rows already asked or labelled: the diversity term keeps away from them. */
  asked: readonly number[];
  count: number;
  /** Weight of diversity against uncertainty in [0, 1]; default 0.3. */
  diversityWeight?: number;
  /** Share of picks drawn uniformly from the candidates (unbiased evaluation, escape from a bad model); default 0.1. */
  randomShare?: number;
  /** Uncertainty pre-filter: diversity is computed only for the most uncertain max(count · 20, 500) candidates. */
  shortlist?: number;
  /** Asked rows the diversity term compares with (the most recent ones); default 1000. */
  maxAsked?: number;
  seed?: number;
}

export interface QueryChoice {
  row: number;
  reason: 'uncertainty' | 'random';
  /** The pick's uncertainty and its cosine distance (capped at 1) to the nearest asked or earlier-picked row. */
  uncertainty: number;
  distance: number;
}

/**
 * Chooses `count` rows to ask: each pick is either (with probability randomShare) a uniform draw, or the
 * candidate maximising (1 − w) · uncertainty + w · distance, distance being min(1, 1 − max cosine) to the
 * asked rows and to the rows picked before it, so near-duplicates of each other or of answered items lose.
 * A shortlist of the most uncertain candidates bounds the cost (shortlist × asked × dim). Deterministic
 * given the seed; ties go to the lower row.
 */
export function chooseQueries(input: QueryChoiceInput): QueryChoice[] {
  const { candidates, uncertainty, embeddings, dim, count } = input;
  const w = input.diversityWeight ?? 0.3;
  const randomShare = input.randomShare ?? 0.1;
  if (!(w >= 0 && w <= 1)) {
    throw new EngineError('bad_config', `diversityWeight must be in [0, 1], got ${w}`);
  }
  if (!(randomShare >= 0 && randomShare <= 1)) {
    throw new EngineError('bad_config', `randomShare must be in [0, 1], got ${randomShare}`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new EngineError('bad_config', `count must be an integer ≥ 0, got ${count}`);
  }
  if (!Number.isInteger(dim) || dim < 1 || embeddings.length % dim !== 0) {
    throw new EngineError('shape_mismatch', `embeddings must hold whole rows of dim ${dim} values`);
  }
  const rows = embeddings.length / dim;
  for (const r of [...candidates, ...input.asked]) {
    if (!(Number.isInteger(r) && r >= 0 && r < rows && r < uncertainty.length)) {
      throw new EngineError(
        'bad_input',
        `row ${r} has no embedding or uncertainty (rows 0..${Math.min(rows, uncertainty.length) - 1})`
      );
    }
  }
  const rng = new Rng(input.seed ?? 1);
  const open = [...new Set(candidates)].sort((a, b) => a - b);
  const take = Math.min(count, open.length);
  const shortlistSize = Math.max(input.shortlist ?? Math.max(take * 20, 500), take);
  const shortlist = [...open].sort((a, b) => uncertainty[b] - uncertainty[a] || a - b).slice(0, shortlistSize);
  const maxAsked = input.maxAsked ?? 1000;
  const asked = input.asked.slice(Math.max(0, input.asked.length - maxAsked));
  // nearest[i]: 1 − max cosine of shortlist[i] to asked and picked rows, capped at 1 (2 = nothing asked yet).
  const nearest = new Float64Array(shortlist.length).fill(2);
  const cosine = (a: number, b: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      s += embeddings[a * dim + d] * embeddings[b * dim + d];
    }
    return s;
  };
  const admit = (row: number) =>
    shortlist.forEach((c, i) => {
      nearest[i] = Math.min(nearest[i], 1 - cosine(c, row));
    });
  asked.forEach(admit);
  const taken = new Set<number>();
  const out: QueryChoice[] = [];
  const distanceOf = (i: number) => Math.max(0, Math.min(1, nearest[i]));
  while (out.length < take) {
    let row = -1;
    let reason: QueryChoice['reason'] = 'uncertainty';
    if (randomShare > 0 && rng.next() < randomShare) {
      const left = open.filter(r => !taken.has(r));
      row = left[rng.int(left.length)];
      reason = 'random';
    } else {
      let best = -Infinity;
      shortlist.forEach((c, i) => {
        if (!taken.has(c)) {
          const score = (1 - w) * uncertainty[c] + w * distanceOf(i);
          if (score > best) {
            best = score;
            row = c;
          }
        }
      });
      if (row < 0) {
        // shortlist used up: continue with the remaining candidates by uncertainty
        row = open.filter(r => !taken.has(r)).sort((a, b) => uncertainty[b] - uncertainty[a] || a - b)[0];
      }
    }
    const at = shortlist.indexOf(row);
    let distance = at >= 0 ? distanceOf(at) : 1;
    if (at < 0) {
      for (const r of [...asked, ...taken]) {
        distance = Math.min(distance, Math.max(0, 1 - cosine(row, r)));
      }
    }
    out.push({ row, reason, uncertainty: uncertainty[row], distance });
    taken.add(row);
    admit(row);
  }
  return out;
}
