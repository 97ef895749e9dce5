import type { BuiltQuestion } from './questionBuilder';
import type { Pick } from './querySelector';

/** What the queue needs from its session. */
export interface PrefetchHost {
  /** False while the pool is too small or the session is closed. */
  canAsk(): boolean;
  modelVersion(): number;
  pickBatch(count: number, cancelled: () => boolean): Promise<Pick[] | undefined>;
  build(pick: Pick): BuiltQuestion;
}

export interface Prepared {
  built: BuiltQuestion;
  pick: Pick;
}

/**
 * Keeps a few questions prepared (rows assigned, candidates ranked) so `question/next` answers from memory.
 * Refilling runs in the background; when a new model version goes live the prepared questions (never shown
 * yet) are rebuilt with the new embeddings, one per event-loop turn.
 */
export class PrefetchQueue {
  private readonly ready: Prepared[] = [];
  private filling = false;
  private generation = 0;

  constructor(
    private readonly host: PrefetchHost,
    public target: number
  ) {}

  get size(): number {
    return this.ready.length;
  }

  /** The oldest prepared question, rebuilt first if its model version is stale. */
  take(): Prepared | undefined {
    const next = this.ready.shift();
    if (next !== undefined && next.built.question.modelVersion !== this.host.modelVersion()) {
      return this.rebuild(next);
    }
    return next;
  }

  /** Starts a background refill unless one runs. */
  fill(): void {
    if (this.filling) {
      return;
    }
    this.filling = true;
    setImmediate(() => void this.refill());
  }

  /** A new model is live: rebuild the prepared questions with it, then top up. */
  modelChanged(): void {
    this.generation++;
    const generation = this.generation;
    const step = (i: number): void => {
      if (generation !== this.generation || i >= this.ready.length) {
        return;
      }
      const prepared = this.ready[i];
      if (prepared.built.question.modelVersion !== this.host.modelVersion()) {
        this.ready[i] = this.rebuild(prepared);
      }
      setImmediate(() => step(i + 1));
    };
    setImmediate(() => step(0));
    this.fill();
  }

  /** Drops every prepared question (options changed, session closed); returns their rows to give back. */
  clear(): number[] {
    this.generation++;
    return this.ready.splice(0).map(prepared => prepared.built.queryRow);
  }

  private rebuild(prepared: Prepared): Prepared {
    const pick: Pick = { ...prepared.pick, modelVersion: this.host.modelVersion(), neighbours: undefined };
    return { pick, built: this.host.build(pick) };
  }

  private async refill(): Promise<void> {
    try {
      while (this.host.canAsk() && this.ready.length < this.target) {
        const generation = this.generation;
        const picks = await this.host.pickBatch(this.target - this.ready.length, () => generation !== this.generation);
        if (picks === undefined) {
          continue;
        }
        if (picks.length === 0) {
          break;
        }
        for (const pick of picks) {
          this.ready.push({ pick, built: this.host.build(pick) });
        }
      }
    } finally {
      this.filling = false;
    }
  }
}
