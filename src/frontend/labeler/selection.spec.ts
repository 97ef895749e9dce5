import { digitForCandidate, invertSelection, toggleCandidate } from './selection';

describe('selection', () => {
  it('toggles a candidate in range and ignores others', () => {
    const one = toggleCandidate(new Set(), 2, 4);
    expect([...one]).toEqual([2]);
    expect([...toggleCandidate(one, 2, 4)]).toEqual([]);
    expect(toggleCandidate(one, 4, 4)).toBe(one);
    expect(toggleCandidate(one, -1, 4)).toBe(one);
  });

  it('inverts over the candidates shown', () => {
    expect([...invertSelection(new Set([0, 2]), 4)]).toEqual([1, 3]);
    expect([...invertSelection(new Set(), 0)]).toEqual([]);
  });

  it('numbers candidates like the keys: 1–9, then 0', () => {
    expect([0, 8, 9, 10].map(digitForCandidate)).toEqual(['1', '9', '0', '']);
  });
});
