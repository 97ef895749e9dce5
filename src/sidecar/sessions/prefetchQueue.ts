import type { BuiltQuestion } from './questionBuilder';
import type { Pick } from './querySelector';

/** What the queue needs from its session. */
export interface PrefetchHost {
  /** False while the pool is too small or the session is closed. */
  canAsk(): boolean;
  modelVersion(): number;
  /** Up to `count` rows taken for questions, with their neighbours (a time-sliced background scan). */
  pickBatch(count: number): Promise<Pick[]>;
  /** Neighbours of `rows` under the live model (time-sliced); undefined if the index changed meanwhile. */
  rescan(rows: number[]): Promise<Pick['neighbours'][] | undefined>;
  /** Builds a question from a pick whose neighbours are known: no scan. */
  build(pick: Pick): BuiltQuestion;
  /** Rows of dropped prepared questions go back to the pool. */
  giveBack(row: number): void;
  /** Handed-back rows (undo, a closed connection, keepSameQuestion) whose cached neighbours are missing or old. */
  stale(): number[];
  /** Stores rescanned neighbours of `rows` (live version). */
  cached(rows: number[], neighbours: NonNullable<Pick['neighbours']>[]): void;
}

export interface Prepared {
  built: BuiltQuestion;
  pick: Pick;
}

/**
 * Keeps `target` questions prepared (rows assigned, candidates ranked) so `question/next` answers from
 * memory. One background task ("pump") does all index work, one job at a time, each a time-sliced scan
 * that yields to the event loop (setImmediate) every few milliseconds:
 *  1. handed-back rows (asked next) whose neighbours are not cached, or ranked by an older version: rescan;
 *  2. refresh — a new model version went live: the prepared questions are re-ranked with it (one batched
 *     scan) and swapped in place. Until then they stay valid and are served as they are: each carries the
 *     version that ranked it;
 *  3. refill — top up to `target` with the query order's next picks.
 * Nothing here ever scans on the request path: `take()` only shifts the queue.
 */
export class PrefetchQueue {
  private readonly ready: Prepared[] = [];
  private running = false;
  private refreshWanted = false;
  private generation = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly host: PrefetchHost,
    public target: number
  ) {}

  get size(): number {
    return this.ready.length;
  }

  /** Query rows of the prepared questions, oldest first. */
  rows(): number[] {
    return this.ready.map(prepared => prepared.built.queryRow);
  }

  /** Whether the background task is working (or about to). */
  get busy(): boolean {
    return this.running;
  }

  /** The oldest prepared question, as it is (possibly ranked by an older model version); refills behind it. */
  take(): Prepared | undefined {
    const next = this.ready.shift();
    this.fill();
    return next;
  }

  /** Starts the background task unless it runs. */
  fill(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    setImmediate(() => void this.pump());
  }

  /** A new model version is live: re-rank the prepared questions in the background. */
  modelChanged(): void {
    this.refreshWanted = true;
    this.fill();
  }

  /** Resolves once a question is prepared, or the background task has stopped without one. */
  available(): Promise<void> {
    if (this.ready.length > 0 || !this.running) {
      return Promise.resolve();
    }
    return new Promise(resolve => this.waiters.push(resolve));
  }

  /** Drops every prepared question (options changed, session closed); returns them (their rows go back). */
  clear(): Prepared[] {
    this.generation++;
    return this.ready.splice(0);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach(resolve => resolve());
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (!this.host.canAsk()) {
          break;
        }
        const stale = this.host.stale();
        if (stale.length > 0) {
          const version = this.host.modelVersion();
          const neighbours = await this.host.rescan(stale);
          if (neighbours !== undefined && this.host.modelVersion() === version) {
            this.host.cached(stale, neighbours as NonNullable<Pick['neighbours']>[]);
          }
          continue;
        }
        if (this.refreshWanted) {
          this.refreshWanted = false;
          await this.refresh();
          continue;
        }
        if (this.ready.length >= this.target) {
          break;
        }
        const generation = this.generation;
        const picks = await this.host.pickBatch(this.target - this.ready.length);
        if (generation !== this.generation) {
          // Cleared meanwhile (options changed): these picks follow the old options.
          picks.forEach(pick => this.host.giveBack(pick.row));
          continue;
        }
        if (picks.length === 0) {
          break;
        }
        for (const pick of picks) {
          this.ready.push({ pick, built: this.host.build(pick) });
        }
        this.notify();
      }
    } finally {
      this.running = false;
      this.notify();
    }
  }

  /** Re-ranks prepared questions older than the live version; entries taken meanwhile are left alone. */
  private async refresh(): Promise<void> {
    const version = this.host.modelVersion();
    const stale = this.ready.filter(prepared => prepared.built.question.modelVersion !== version);
    if (stale.length === 0) {
      return;
    }
    const neighbours = await this.host.rescan(stale.map(prepared => prepared.built.queryRow));
    if (neighbours === undefined || this.host.modelVersion() !== version) {
      this.refreshWanted = true;
      return;
    }
    stale.forEach((prepared, i) => {
      const at = this.ready.indexOf(prepared);
      if (at >= 0) {
        const pick: Pick = { ...prepared.pick, modelVersion: version, neighbours: neighbours[i] };
        this.ready[at] = { pick, built: this.host.build(pick) };
      }
    });
  }
}
