import type { QueryStrategy } from '../../protocol/messages';
import { EmbeddingMatrix } from '../index/embeddingMatrix';
import { batchTopK } from '../index/batchTopK';
import { Neighbour } from '../index/exactKnn';
import {
  LabeledSimilarity,
  RelevanceModel,
  distanceToAsked,
  expectedEntropy,
  fitRelevanceModel
} from './activeScoring';
import { QueryQueue } from './queryQueue';

export type QueryOrder = 'active' | 'random' | 'sequential';

/** What the selector reads from its session. */
export interface SelectorHost {
  readonly queue: QueryQueue;
  matrix(): EmbeddingMatrix;
  modelVersion(): number;
  order(): { queryOrder: QueryOrder; randomShare: number; topK: number; neighbourCount: number };
  /** Similarities (current embeddings) of labeled (query, candidate) pairs and their relevance. */
  labeledSimilarities(): LabeledSimilarity[];
  /** Rows already asked (answered or assigned), most recent last. */
  askedRows(): number[];
  /** Counted answers so far (diversity's share decays with them). */
  answerCount(): number;
  random(): number;
  /** True once the session is closed: scans stop. */
  closed(): boolean;
  /** A row an active scan ranked but did not pick: kept for when the prepared queue runs dry. */
  leftover?(row: number, modelVersion: number, neighbours: Neighbour[]): void;
  /** Fresh rows whose neighbours under the live version are already known (the round computed them). */
  cachedSample?(): { rows: number[]; neighbours: Neighbour[][] };
}

/** A query row taken for a question (already assigned in the queue), with its neighbours if a scan found them. */
export interface Pick {
  row: number;
  strategy: QueryStrategy;
  /** The version whose embeddings ranked `neighbours`. */
  modelVersion: number;
  neighbours?: Neighbour[];
}

/**
 * Tuning of the active order (measured with bench/sidecar/labelEfficiency.ts; see the README). Exported
 * so the benchmark can compare variants; sessions never change it.
 */
export const ACTIVE_TUNING = {
  /** Multiply-adds one scoring scan may cost (≈ 0.1 s of JS on this CPU, in 4 ms slices). */
  scanBudget: 1e8,
  /** Multiply-adds of the sample a training round scores in the worker (wasm matMul + topk, ≈ 10× JS). */
  roundBudget: 2e8,
  minSample: 8,
  maxSample: 256,
  /** Diversity's share of the non-random picks starts here and decays by half every `diversityHalfLife` answers… */
  diversityStart: 1,
  diversityHalfLife: 10,
  /** …down to this floor (k-center coverage of unlabeled regions stays in the mix). */
  diversityFloor: 0.2,
  /** Candidates whose max cosine to an asked query exceeds this are near-duplicates: never picked by uncertainty. */
  duplicateCosine: 0.98,
  /** Asked rows diversity compares with (the most recent ones). */
  maxAsked: 1000
};

/**
 * Chooses query rows. "sequential" and "random" are the baselines; "active" scores a random sample of fresh
 * rows with one batched, time-sliced top-K scan and mixes three reasons:
 *  - `random` (a `randomShare` of picks): uniform, keeps an unbiased slice of the labels;
 *  - `diverse`: k-center greedy, the sampled row farthest from every asked query (covers unlabeled regions);
 *    its share starts at 1 and decays as labels grow, since early on the relevance threshold is unknown;
 *  - `uncertain` ("breaking ties"): the row whose top-K sits nearest the relevance margin, i.e. the highest
 *    mean binary entropy of p(relevant | cosine) under a logistic fit on the session's labeled pairs —
 *    mixed neighbourhoods, where an answer corrects the ranking most. Near-duplicates of asked queries are
 *    skipped (Label Studio #3256: uncertainty alone keeps asking the same thing).
 */
export class QuerySelector {
  constructor(private readonly host: SelectorHost) {}

  /** One row at once, without neighbours (baseline orders only). */
  pickNow(): Pick | undefined {
    const { queryOrder } = this.host.order();
    const modelVersion = this.host.modelVersion();
    const limit = this.host.matrix().size;
    if (queryOrder === 'sequential') {
      const row = this.host.queue.take();
      return row === undefined || row >= limit ? this.undo(row) : { row, strategy: 'sequential', modelVersion };
    }
    const [row] = this.host.queue.sampleFresh(1, limit, () => this.host.random());
    if (row === undefined || !this.host.queue.takeRow(row)) {
      return undefined;
    }
    return { row, strategy: 'random', modelVersion };
  }

  /** Up to `count` rows by the session's query order, with neighbours from one time-sliced scan. */
  async pickBatch(count: number): Promise<Pick[]> {
    if (this.host.order().queryOrder === 'active') {
      return this.pickActive(count);
    }
    const picks: Pick[] = [];
    for (let i = 0; i < count; i++) {
      const pick = this.pickNow();
      if (pick === undefined) {
        break;
      }
      picks.push(pick);
    }
    const matrix = this.host.matrix();
    const neighbours = await this.scan(
      matrix,
      picks.map(pick => pick.row)
    );
    const modelVersion = this.host.modelVersion();
    return picks.map((pick, i) => ({ ...pick, modelVersion, neighbours: neighbours?.[i] }));
  }

  /** Neighbours of `rows` under the live model; undefined if the session closed or the index changed. */
  async rescan(rows: number[]): Promise<Neighbour[][] | undefined> {
    const matrix = this.host.matrix();
    const neighbours = await this.scan(matrix, rows);
    return this.host.matrix() === matrix ? neighbours : undefined;
  }

  private scan(matrix: EmbeddingMatrix, rows: number[]): Promise<Neighbour[][] | undefined> {
    const k = Math.min(this.host.order().neighbourCount, matrix.size - 1);
    return batchTopK(matrix, rows, k, { cancelled: () => this.host.closed() });
  }

  private async pickActive(count: number): Promise<Pick[]> {
    const matrix = this.host.matrix();
    const modelVersion = this.host.modelVersion();
    const { randomShare, topK } = this.host.order();
    const tuning = ACTIVE_TUNING;
    const sampleSize = Math.max(
      tuning.minSample,
      Math.min(tuning.maxSample, Math.round(tuning.scanBudget / (matrix.size * matrix.dim)))
    );
    // The training round scored a sample on the new embeddings in the worker: use it when it is big enough.
    const cached = this.host.cachedSample?.();
    let sample: number[];
    let neighbours: Neighbour[][] | undefined;
    if (cached !== undefined && cached.rows.length >= Math.max(tuning.minSample, count)) {
      sample = cached.rows;
      neighbours = cached.neighbours;
    } else {
      sample = this.host.queue.sampleFresh(Math.max(sampleSize, count), matrix.size, () => this.host.random());
      if (sample.length === 0) {
        return [];
      }
      neighbours = await this.scan(matrix, sample);
    }
    if (neighbours === undefined) {
      return [];
    }
    // Labels may have arrived during the scan: score with the latest, on the scanned embeddings.
    const relevance = this.host.matrix() === matrix ? fitRelevanceModel(this.host.labeledSimilarities()) : undefined;
    const asked = this.host.askedRows().slice(-tuning.maxAsked);
    const distance = await distanceToAsked(matrix, sample, asked);
    const scores = scoreSample(neighbours, topK, relevance);
    const diversityShare = diversityShareAt(this.host.answerCount());
    const open = new Set(sample.keys());
    const picks: Pick[] = [];
    while (picks.length < count && open.size > 0) {
      const u = this.host.random();
      let strategy: QueryStrategy;
      let chosen: number;
      if (u < randomShare) {
        strategy = 'random';
        chosen = [...open][Math.floor(this.host.random() * open.size)];
      } else if (relevance === undefined || u < randomShare + (1 - randomShare) * diversityShare) {
        strategy = 'diverse';
        chosen = argmax(open, i => distance[i]);
      } else {
        strategy = 'uncertain';
        const duplicate = 1 - tuning.duplicateCosine;
        chosen = argmax(open, i => (distance[i] < duplicate ? -1 : scores[i]) + 1e-3 * distance[i]);
      }
      open.delete(chosen);
      const row = sample[chosen];
      if (!this.host.queue.takeRow(row)) {
        continue;
      }
      picks.push({ row, strategy, modelVersion, neighbours: neighbours[chosen] });
      // k-center greedy: the chosen row now counts as asked.
      for (const i of open) {
        distance[i] = Math.min(distance[i], 1 - dot(matrix, row, sample[i]));
      }
    }
    for (const i of open) {
      this.host.leftover?.(sample[i], modelVersion, neighbours[i]);
    }
    return picks;
  }

  private undo(row: number | undefined): undefined {
    if (row !== undefined) {
      this.host.queue.giveBack(row);
    }
    return undefined;
  }
}

/** Diversity's share of the non-random active picks after `answers` answers. */
export function diversityShareAt(answers: number): number {
  const { diversityStart, diversityHalfLife, diversityFloor } = ACTIVE_TUNING;
  return Math.max(diversityFloor, diversityStart * Math.pow(0.5, answers / diversityHalfLife));
}

/** Uncertainty score of each sampled row: expected entropy of its top-K's relevance (0 without a model). */
export function scoreSample(
  neighbours: readonly Neighbour[][],
  topK: number,
  relevance: RelevanceModel | undefined
): number[] {
  return neighbours.map(list =>
    relevance
      ? expectedEntropy(
          list.slice(0, topK).map(n => n.score),
          relevance
        )
      : 0
  );
}

function argmax(open: Set<number>, score: (i: number) => number): number {
  let best = -1;
  let bestScore = -Infinity;
  for (const i of open) {
    const s = score(i);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}

function dot(matrix: EmbeddingMatrix, a: number, b: number): number {
  const x = matrix.row(a);
  const y = matrix.row(b);
  let s = 0;
  for (let d = 0; d < x.length; d++) {
    s += x[d] * y[d];
  }
  return s;
}
