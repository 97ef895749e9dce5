import { EngineError } from '../errors';

/**
 * When to train: after every `every` real answers since the last round started, or when asked ("train now").
 *
 * Counting answers since the last round, not `total % every === 0` (Label Studio's BERT backend), keeps
 * it right when the total jumps over a multiple: an undone answer stops counting, a resent answer (same id,
 * e.g. the browser outbox after a reconnect) counts once, a re-answered row counts once, and skips do not
 * count at all. Answers that arrive while a round runs count towards the next one.
 */
export class UpdateSchedule {
  /** Answer id → row of the answers counted since the last round started. */
  private readonly pending = new Map<string, number>();
  /** Every answer id ever recorded (resends are ignored). */
  private readonly known = new Set<string>();
  private forced = false;
  private running = false;

  private n: number;

  constructor(every: number) {
    this.n = checkEvery(every);
  }

  get every(): number {
    return this.n;
  }

  /** N changed (session/configure): answers already counted stay counted, so a smaller N may make a round due. */
  setEvery(every: number): void {
    this.n = checkEvery(every);
  }

  /** A stored answer: counts once per id and, within one round, once per row. */
  recordAnswer(answerId: string, row: number): void {
    if (this.known.has(answerId)) {
      return;
    }
    this.known.add(answerId);
    for (const [id, r] of this.pending) {
      if (r === row) {
        this.pending.delete(id); // the row's earlier answer in this round is superseded
      }
    }
    this.pending.set(answerId, row);
  }

  /** An answer was undone: it no longer counts (when it was counted since the last round). */
  recordUndo(answerId: string): void {
    this.pending.delete(answerId);
  }

  /** Answers counted towards the next round. */
  get answersSinceRound(): number {
    return this.pending.size;
  }

  /** "Train now": the next check starts a round whatever the count. */
  requestNow(): void {
    this.forced = true;
  }

  /** Should a round start now? Never while one is running (its answers count towards the next). */
  due(): boolean {
    return !this.running && (this.forced || this.pending.size >= this.n);
  }

  /** A round starts: the counter restarts from zero. */
  roundStarted(): void {
    if (this.running) {
      throw new EngineError('not_ready', 'a training round is already running');
    }
    this.running = true;
    this.forced = false;
    this.pending.clear();
  }

  /** The round ended (trained, skipped or failed); `due()` may be true at once if enough answers came meanwhile. */
  roundFinished(): void {
    this.running = false;
  }

  get roundRunning(): boolean {
    return this.running;
  }
}

function checkEvery(every: number): number {
  if (!Number.isInteger(every) || every < 1) {
    throw new EngineError('bad_config', `train every N answers: N must be a positive integer, got ${String(every)}`);
  }
  return every;
}
