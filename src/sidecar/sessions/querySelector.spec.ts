import { EmbeddingMatrix } from '../index/embeddingMatrix';
import type { Neighbour } from '../index/exactKnn';
import type { LabeledSimilarity } from './activeScoring';
import { QueryQueue } from './queryQueue';
import { ACTIVE_TUNING, Pick, QuerySelector, SelectorHost, diversityShareAt, scoreSample } from './querySelector';

/** Unit vectors at the given angles (radians): cosine = cos(angle difference). */
function circle(angles: number[]): EmbeddingMatrix {
  const matrix = new EmbeddingMatrix(2, angles.length);
  matrix.append(Float32Array.from(angles.flatMap(a => [Math.cos(a), Math.sin(a)])));
  return matrix;
}

function host(
  matrix: EmbeddingMatrix,
  options: {
    randoms?: number[];
    asked?: number[];
    labeled?: LabeledSimilarity[];
    answers?: number;
    randomShare?: number;
    cached?: { rows: number[]; neighbours: Neighbour[][] };
  } = {}
): SelectorHost & { leftovers: number[] } {
  const queue = new QueryQueue();
  queue.grow(matrix.size);
  for (const row of options.asked ?? []) {
    queue.takeRow(row);
  }
  const randoms = [...(options.randoms ?? [])];
  const leftovers: number[] = [];
  return {
    queue,
    leftovers,
    matrix: () => matrix,
    modelVersion: () => 3,
    order: () => ({ queryOrder: 'active', randomShare: options.randomShare ?? 0, topK: 2, neighbourCount: 2 }),
    labeledSimilarities: () => options.labeled ?? [],
    askedRows: () => options.asked ?? [],
    answerCount: () => options.answers ?? 0,
    // Scripted draws first (the strategy coin), then a fixed value.
    random: () => randoms.shift() ?? 0.5,
    closed: () => false,
    leftover: row => leftovers.push(row),
    cachedSample: options.cached ? () => options.cached as { rows: number[]; neighbours: Neighbour[][] } : undefined
  };
}

/** Labels where cosine ≥ 0.9 is relevant and ≤ 0.6 is not: the fitted threshold lies between. */
const LABELED: LabeledSimilarity[] = [0.95, 0.93, 0.97, 0.91, 0.55, 0.5, 0.3, 0.6, 0.92, 0.4].map(score => ({
  score,
  relevant: score > 0.8
}));

describe('active query choice', () => {
  const saved = { ...ACTIVE_TUNING };
  afterEach(() => Object.assign(ACTIVE_TUNING, saved));

  it('decays the diversity share with answers down to its floor', () => {
    expect(diversityShareAt(0)).toBeCloseTo(ACTIVE_TUNING.diversityStart, 6);
    expect(diversityShareAt(ACTIVE_TUNING.diversityHalfLife)).toBeCloseTo(ACTIVE_TUNING.diversityStart / 2, 6);
    expect(diversityShareAt(1000)).toBe(ACTIVE_TUNING.diversityFloor);
  });

  it('scores a mixed neighbourhood (scores at the margin) above a clear-cut one', () => {
    const clear: Neighbour[] = [
      { row: 1, score: 0.99 },
      { row: 2, score: 0.98 }
    ];
    const mixed: Neighbour[] = [
      { row: 3, score: 0.78 },
      { row: 4, score: 0.74 }
    ];
    const [a, b] = scoreSample([clear, mixed], 2, { threshold: 0.75, slope: 30 });
    expect(b).toBeGreaterThan(a);
    expect(scoreSample([mixed], 2, undefined)).toEqual([0]);
  });

  it('without labels picks by diversity: the row farthest from every asked query (k-center)', async () => {
    // Rows 0–2 near angle 0 (asked: 0), rows 3–5 near π/2, row 6 at π.
    const matrix = circle([0, 0.05, 0.1, 1.5, 1.55, 1.6, Math.PI]);
    const selector = new QuerySelector(host(matrix, { asked: [0] }));
    const picks = await selector.pickBatch(2);
    expect(picks.map(p => p.strategy)).toEqual(['diverse', 'diverse']);
    expect(picks[0].row).toBe(6);
    // The second pick is far from both 0 and 6: the π/2 cluster.
    expect([3, 4, 5]).toContain(picks[1].row);
    expect(picks.every(p => p.modelVersion === 3 && p.neighbours?.length === 2)).toBe(true);
  });

  it('with labels and a spent diversity share, breaks ties: picks the row whose neighbours sit at the margin', async () => {
    Object.assign(ACTIVE_TUNING, { diversityFloor: 0, diversityStart: 0 });
    // Row 4's neighbours lie at ~0.75 cosine (the margin); rows 0–2 and 5–7 are tight clusters (≈ 1).
    const matrix = circle([0, 0.01, 0.02, 1.2, 1.2 + Math.acos(0.75), 1.2 + 2 * Math.acos(0.75), 3, 3.01, 3.02]);
    const selector = new QuerySelector(host(matrix, { labeled: LABELED, answers: 40, asked: [3] }));
    const [pick] = await selector.pickBatch(1);
    expect(pick.strategy).toBe('uncertain');
    expect(pick.row).toBe(4);
  });

  it('never picks a near-duplicate of an asked query by uncertainty', async () => {
    Object.assign(ACTIVE_TUNING, { diversityFloor: 0, diversityStart: 0, duplicateCosine: 0.98 });
    // Row 1 duplicates asked row 0 and has the most uncertain neighbourhood; row 4 is the next most uncertain.
    const m = Math.acos(0.75);
    const matrix = circle([0, 0.001, 0.001 + m, 2, 2 + m * 1.1, 2 + 2 * m * 1.1, 4, 4.01]);
    const selector = new QuerySelector(host(matrix, { labeled: LABELED, answers: 40, asked: [0] }));
    const [pick] = await selector.pickBatch(1);
    expect(pick.strategy).toBe('uncertain');
    expect(pick.row).not.toBe(1);
  });

  it('keeps the random share: a coin below randomShare draws a uniform pick', async () => {
    const matrix = circle([0, 1, 2, 3]);
    expect((await new QuerySelector(host(matrix, { randomShare: 0.6 })).pickBatch(1))[0].strategy).toBe('random');
    expect((await new QuerySelector(host(matrix, { randomShare: 0.4 })).pickBatch(1))[0].strategy).toBe('diverse');
  });

  it('scores the sample the training round ranked in the worker, without scanning, and keeps the rest as leftovers', async () => {
    const matrix = circle([0, 1, 2, 3, 4, 5, 6, 0.5, 1.5, 2.5]);
    const neighbours = (row: number): Neighbour[] => [
      { row: (row + 1) % 10, score: 0.5 },
      { row: (row + 2) % 10, score: 0.4 }
    ];
    const rows = [0, 1, 2, 3, 4, 5, 6, 7];
    const h = host(matrix, { cached: { rows, neighbours: rows.map(neighbours) } });
    const selector = new QuerySelector(h);
    const [pick] = await selector.pickBatch(1);
    expect(rows).toContain(pick.row);
    // The cached (worker-computed) list is used as is: a scan would have found the true neighbours.
    expect(pick.neighbours).toEqual(neighbours(pick.row));
    expect(h.leftovers.sort()).toEqual(rows.filter(r => r !== pick.row).sort());
  });

  it('takes the rows it picks (assigned in the queue), so two batches never share a row', async () => {
    const matrix = circle(Array.from({ length: 12 }, (_, i) => i * 0.5));
    const h = host(matrix);
    const selector = new QuerySelector(h);
    const first: Pick[] = await selector.pickBatch(3);
    const second: Pick[] = await selector.pickBatch(3);
    const all = [...first, ...second].map(p => p.row);
    expect(new Set(all).size).toBe(6);
    expect(all.every(row => !h.queue.isFresh(row))).toBe(true);
  });
});
