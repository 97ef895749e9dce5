import { randomUUID } from 'node:crypto';
import type { Candidate, Question, QueryStrategy } from '../../protocol/messages';
import { EmbeddingMatrix } from '../index/embeddingMatrix';
import { Neighbour, exactTopK } from '../index/exactKnn';
import { ItemPool } from './itemPool';

export interface QuestionShape {
  topK: number;
  hardNegatives: number;
  randomNegatives: number;
}

export interface BuiltQuestion {
  question: Question;
  queryRow: number;
  candidateRows: number[];
  /** The ranked neighbours (top-K + hard) the question was built from, for reuse without a scan. */
  neighbours: Neighbour[];
}

/** Whether `neighbours` are enough for a question of `shape` over `matrix` (else it must scan). */
export function neighboursSuffice(
  neighbours: readonly Neighbour[] | undefined,
  shape: QuestionShape,
  matrix: EmbeddingMatrix
): neighbours is Neighbour[] {
  return neighbours !== undefined && neighbours.length >= Math.min(shape.topK + shape.hardNegatives, matrix.size - 1);
}

/**
 * A question for `row`: its top-K neighbours, then `hardNegatives` next-ranked items and `randomNegatives`
 * uniform ones, appended and flagged (`extra`) so the top-K order stays the model's ranking.
 * `neighbours` (top-K + hard, from a batched scan of the same matrix) saves the scan.
 */
export function buildQuestion(
  sessionId: string,
  pool: ItemPool,
  matrix: EmbeddingMatrix,
  modelVersion: number,
  row: number,
  strategy: QueryStrategy,
  shape: QuestionShape,
  random: () => number,
  neighbours?: Neighbour[]
): BuiltQuestion {
  const wanted = shape.topK + shape.hardNegatives;
  const ranked = (
    neighboursSuffice(neighbours, shape, matrix) ? neighbours : exactTopK(matrix, matrix.row(row), wanted, row)
  ).slice(0, wanted);
  const candidates: Candidate[] = [];
  const candidateRows: number[] = [];
  ranked.forEach(({ row: at, score }, rank) => {
    candidates.push(rank < shape.topK ? { ...pool.item(at), score } : { ...pool.item(at), score, extra: 'hard' });
    candidateRows.push(at);
  });
  const taken = new Set([row, ...candidateRows]);
  const query = matrix.row(row);
  let added = 0;
  for (let tries = 0; tries < shape.randomNegatives * 10 && added < shape.randomNegatives; tries++) {
    const at = Math.floor(random() * matrix.size);
    if (taken.has(at)) {
      continue;
    }
    taken.add(at);
    const other = matrix.row(at);
    let score = 0;
    for (let d = 0; d < query.length; d++) {
      score += query[d] * other[d];
    }
    candidates.push({ ...pool.item(at), score, extra: 'random' });
    candidateRows.push(at);
    added++;
  }
  return {
    question: { id: randomUUID(), sessionId, query: pool.item(row), candidates, modelVersion, strategy },
    queryRow: row,
    candidateRows,
    neighbours: ranked
  };
}
