import type { QueryStrategy } from '../../protocol/messages';
import { EmbeddingMatrix } from '../index/embeddingMatrix';
import { batchTopK } from '../index/batchTopK';
import { Neighbour } from '../index/exactKnn';
import { LabeledSimilarity, distanceToAsked, expectedEntropy, fitRelevanceModel } from './activeScoring';
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
  random(): number;
}

/** A query row taken for a question (already assigned in the queue), with its neighbours if a scan found them. */
export interface Pick {
  row: number;
  strategy: QueryStrategy;
  modelVersion: number;
  neighbours?: Neighbour[];
}

/** Of the active picks that are not random, the share chosen by uncertainty (the rest by diversity). */
const UNCERTAIN_SHARE = 0.6;
/** Multiply-adds one active scoring scan may cost (≈ 0.3 s of JS on this CPU). */
const SCAN_BUDGET = 4e8;
const MIN_SAMPLE = 8;
const MAX_SAMPLE = 512;
/** Asked rows diversity compares with (the most recent ones). */
const MAX_ASKED = 2000;

/**
 * Chooses query rows. "sequential" and "random" are the baselines; "active" scores a random sample of fresh
 * rows with one batched top-K scan and mixes uncertainty (candidates' similarities nearest the learned
 * relevance threshold), diversity (k-center greedy: farthest from every asked query) and a uniform
 * `randomShare`. Before there are both relevant and irrelevant labels only diversity and random apply.
 */
export class QuerySelector {
  constructor(private readonly host: SelectorHost) {}

  /** One row at once, without a scan (the prefetch queue ran dry, or a baseline order). */
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

  /** Up to `count` rows by the session's query order; undefined if cancelled (e.g. a new model went live). */
  async pickBatch(count: number, cancelled: () => boolean): Promise<Pick[] | undefined> {
    if (this.host.order().queryOrder !== 'active') {
      const picks: Pick[] = [];
      for (let i = 0; i < count; i++) {
        const pick = this.pickNow();
        if (pick === undefined) {
          break;
        }
        picks.push(pick);
      }
      return picks;
    }
    return this.pickActive(count, cancelled);
  }

  private async pickActive(count: number, cancelled: () => boolean): Promise<Pick[] | undefined> {
    const matrix = this.host.matrix();
    const modelVersion = this.host.modelVersion();
    const { randomShare, topK, neighbourCount } = this.host.order();
    const sampleSize = Math.max(MIN_SAMPLE, Math.min(MAX_SAMPLE, Math.round(SCAN_BUDGET / (matrix.size * matrix.dim))));
    const sample = this.host.queue.sampleFresh(Math.max(sampleSize, count), matrix.size, () => this.host.random());
    if (sample.length === 0) {
      return [];
    }
    const k = Math.min(neighbourCount, matrix.size - 1);
    const neighbours = await batchTopK(matrix, sample, k, {
      cancelled: () => cancelled() || this.host.matrix() !== matrix
    });
    if (neighbours === undefined || cancelled() || this.host.matrix() !== matrix) {
      return undefined;
    }
    const relevance = fitRelevanceModel(this.host.labeledSimilarities());
    const asked = this.host.askedRows().slice(-MAX_ASKED);
    const distance = distanceToAsked(matrix, sample, asked);
    const entropy = sample.map((_, i) =>
      relevance
        ? expectedEntropy(
            neighbours[i].slice(0, topK).map(n => n.score),
            relevance
          )
        : 0
    );
    const open = new Set(sample.keys());
    const picks: Pick[] = [];
    while (picks.length < count && open.size > 0) {
      const u = this.host.random();
      let strategy: QueryStrategy;
      let chosen: number | undefined;
      if (u < randomShare) {
        strategy = 'random';
        chosen = [...open][Math.floor(this.host.random() * open.size)];
      } else if (relevance && u < randomShare + (1 - randomShare) * UNCERTAIN_SHARE) {
        strategy = 'uncertain';
        chosen = argmax(open, i => entropy[i] + 1e-3 * distance[i]);
      } else {
        strategy = 'diverse';
        chosen = argmax(open, i => distance[i]);
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
    return picks;
  }

  private undo(row: number | undefined): undefined {
    if (row !== undefined) {
      this.host.queue.giveBack(row);
    }
    return undefined;
  }
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
