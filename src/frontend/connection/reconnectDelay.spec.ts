import { reconnectDelay } from './reconnectDelay';

describe('reconnectDelay', () => {
  it('starts at 0.25 s and doubles up to 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(reconnectDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });
});
