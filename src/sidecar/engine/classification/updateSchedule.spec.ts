import { UpdateSchedule } from './updateSchedule';

describe('UpdateSchedule', () => {
  it('trains after exactly N real answers even with an undo in between', () => {
    const s = new UpdateSchedule(4);
    s.recordAnswer('a1', 1);
    s.recordAnswer('a2', 2);
    s.recordAnswer('a3', 3);
    s.recordUndo('a3');
    s.recordAnswer('a4', 4);
    expect(s.answersSinceRound).toBe(3);
    expect(s.due()).toBe(false); // Label Studio's total % N would have fired at the 4th stored answer here
    s.recordAnswer('a5', 5);
    expect(s.due()).toBe(true);
  });

  it('does not miss a round when the total jumps over a multiple of N (the exact-multiple bug)', () => {
    const s = new UpdateSchedule(3);
    // total labelled goes 1, 2, 1 (undo), 2, 3 → % 3 fires only at 3 ... but here answers since the last
    // round count: after a round, 3 more real answers trigger the next whatever the total is.
    ['a', 'b', 'c'].forEach((id, i) => s.recordAnswer(id, i));
    expect(s.due()).toBe(true);
    s.roundStarted();
    s.roundFinished();
    s.recordAnswer('d', 10);
    s.recordUndo('a'); // undoing an answer from before the round does not touch the new count
    s.recordAnswer('e', 11);
    s.recordAnswer('f', 12);
    expect(s.due()).toBe(true);
  });

  it('counts a resent answer once, a re-answered row once, and skips not at all', () => {
    const s = new UpdateSchedule(2);
    s.recordAnswer('a1', 7);
    s.recordAnswer('a1', 7); // outbox resend after a reconnect
    s.recordAnswer('a2', 7); // changed answer on the same row
    expect(s.answersSinceRound).toBe(1);
    expect(s.due()).toBe(false);
    s.recordAnswer('a3', 8);
    expect(s.due()).toBe(true);
  });

  it('answers during a running round count towards the next; never two rounds at once', () => {
    const s = new UpdateSchedule(2);
    s.recordAnswer('a', 1);
    s.recordAnswer('b', 2);
    s.roundStarted();
    s.recordAnswer('c', 3);
    s.recordAnswer('d', 4);
    expect(s.due()).toBe(false);
    expect(() => s.roundStarted()).toThrow('a training round is already running');
    s.roundFinished();
    expect(s.due()).toBe(true);
  });

  it('"train now" starts a round whatever the count, once', () => {
    const s = new UpdateSchedule(10);
    s.recordAnswer('a', 1);
    s.requestNow();
    expect(s.due()).toBe(true);
    s.roundStarted();
    s.roundFinished();
    expect(s.due()).toBe(false);
  });

  it('rejects N that is not a positive integer', () => {
    expect(() => new UpdateSchedule(0)).toThrow('train every N answers: N must be a positive integer, got 0');
    expect(() => new UpdateSchedule(2.5)).toThrow(/got 2.5/);
  });

  it('takes a new N live: answers already counted stay counted', () => {
    const s = new UpdateSchedule(10);
    ['a', 'b', 'c'].forEach((id, row) => s.recordAnswer(id, row));
    expect(s.due()).toBe(false);
    s.setEvery(3);
    expect(s.every).toBe(3);
    expect(s.due()).toBe(true);
    expect(() => s.setEvery(0)).toThrow(/positive integer/);
  });
});
