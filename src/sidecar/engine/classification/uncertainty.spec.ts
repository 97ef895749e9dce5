import { chooseQueries, uncertaintyScores } from './uncertainty';

function unit(...v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map(x => x / n);
}

describe('uncertaintyScores', () => {
  const probs = Float32Array.from([
    // confident, torn between two, uniform
    0.97, 0.01, 0.01, 0.01, 0.45, 0.45, 0.05, 0.05, 0.25, 0.25, 0.25, 0.25
  ]);

  it.each(['margin', 'least-confidence', 'entropy'] as const)(
    '%s ranks the confident row least uncertain',
    strategy => {
      const u = uncertaintyScores(probs, 4, strategy);
      expect(u[0]).toBeLessThan(u[1]);
      expect(u[0]).toBeLessThan(u[2]);
      expect(u[2]).toBeCloseTo(1, 5); // a uniform prediction is the most uncertain there is
      u.forEach(x => expect(x).toBeGreaterThanOrEqual(0));
    }
  );

  it('margin (breaking ties) prefers the two-way tie that entropy ranks below the uniform row', () => {
    const margin = uncertaintyScores(probs, 4, 'margin');
    expect(margin[1]).toBeCloseTo(1, 5);
    const entropy = uncertaintyScores(probs, 4, 'entropy');
    expect(entropy[1]).toBeLessThan(entropy[2]);
  });

  it('multi-label: the least certain yes/no decision counts', () => {
    const ml = Float32Array.from([0.99, 0.01, 0.98, 0.99, 0.52, 0.01]);
    const m = uncertaintyScores(ml, 3, 'margin', true);
    expect(m[0]).toBeCloseTo(0.04, 5);
    expect(m[1]).toBeCloseTo(0.96, 5);
    const e = uncertaintyScores(ml, 3, 'entropy', true);
    expect(e[1]).toBeGreaterThan(e[0]);
  });

  it('rejects probabilities of the wrong shape or outside [0, 1], naming the row', () => {
    expect(() => uncertaintyScores(Float32Array.from([0.5, 0.5, 0.2]), 2, 'margin')).toThrow(
      'probabilities must hold whole rows of 2 classes, got 3 values'
    );
    expect(() => uncertaintyScores(Float32Array.from([0.5, 0.5, NaN, 1]), 2, 'margin')).toThrow(
      'probability NaN at row 1 is not in [0, 1]'
    );
  });
});

describe('chooseQueries', () => {
  // rows 0–2: near-duplicates, all very uncertain; row 3: a bit less uncertain, elsewhere; row 4: confident
  const embeddings = Float32Array.from([
    ...unit(1, 0, 0),
    ...unit(1, 0.01, 0),
    ...unit(1, 0, 0.01),
    ...unit(0, 1, 0),
    ...unit(0, 0, 1)
  ]);
  const uncertainty = Float32Array.from([0.95, 0.94, 0.93, 0.8, 0.1]);
  const base = { candidates: [0, 1, 2, 3, 4], uncertainty, embeddings, dim: 3, asked: [] as number[], randomShare: 0 };

  it('asks the uncertain item before the confident one', () => {
    const [first] = chooseQueries({ ...base, count: 1, diversityWeight: 0 });
    expect(first).toMatchObject({ row: 0, reason: 'uncertainty' });
    const order = chooseQueries({ ...base, count: 5, diversityWeight: 0 }).map(c => c.row);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('the diversity term avoids asking near-duplicates in one batch', () => {
    const picks = chooseQueries({ ...base, count: 2, diversityWeight: 0.3 }).map(c => c.row);
    expect(picks).toEqual([0, 3]);
  });

  it('the diversity term keeps away from items already asked', () => {
    const [first] = chooseQueries({ ...base, candidates: [1, 2, 3, 4], asked: [0], count: 1, diversityWeight: 0.3 });
    expect(first.row).toBe(3);
    expect(first.distance).toBeCloseTo(1, 5);
  });

  it('a random share draws some picks uniformly, deterministically for a seed', () => {
    const many = Float32Array.from({ length: 200 * 3 }, (_, i) => ((i * 7919) % 13) / 13 + 0.01);
    const u = Float32Array.from({ length: 200 }, (_, i) => i / 200);
    const input = {
      candidates: Array.from({ length: 200 }, (_, i) => i),
      uncertainty: u,
      embeddings: many,
      dim: 3,
      asked: [],
      count: 40,
      diversityWeight: 0,
      randomShare: 0.5,
      seed: 42
    };
    const a = chooseQueries(input);
    expect(chooseQueries(input)).toEqual(a);
    const random = a.filter(c => c.reason === 'random').length;
    expect(random).toBeGreaterThan(8);
    expect(random).toBeLessThan(32);
    expect(new Set(a.map(c => c.row)).size).toBe(40);
    expect(chooseQueries({ ...input, seed: 43 })).not.toEqual(a);
  });

  it('returns every candidate at most once, and fewer when fewer are left', () => {
    expect(chooseQueries({ ...base, candidates: [4, 3], count: 5 }).map(c => c.row)).toEqual([3, 4]);
  });

  it('rejects rows without embeddings and bad weights', () => {
    expect(() => chooseQueries({ ...base, candidates: [7], count: 1 })).toThrow(
      'row 7 has no embedding or uncertainty'
    );
    expect(() => chooseQueries({ ...base, count: 1, diversityWeight: 2 })).toThrow(
      'diversityWeight must be in [0, 1], got 2'
    );
  });
});
