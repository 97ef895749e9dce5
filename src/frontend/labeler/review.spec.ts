import { stepBack, stepForward } from './review';

describe('review steps', () => {
  it('goes back from the current question to the latest answer, then older, stopping at the oldest', () => {
    expect(stepBack(null, 3)).toBe(2);
    expect(stepBack(2, 3)).toBe(1);
    expect(stepBack(0, 3)).toBe(0);
    expect(stepBack(null, 0)).toBeNull();
    expect(stepBack(5, 3)).toBe(2); // answers were undone meanwhile
  });

  it('goes forward to newer answers, then back to the current question', () => {
    expect(stepForward(0, 3)).toBe(1);
    expect(stepForward(2, 3)).toBeNull();
    expect(stepForward(null, 3)).toBeNull();
  });
});
