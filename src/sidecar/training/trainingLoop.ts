import { ConditionWaiters } from './conditionWaiters';
import type { ModelVersionRecord } from '../../protocol/messages';
import type { PairLabel } from '../engine/training';
import { describeError, log } from '../log';
import type { RoundOptions, RoundOutput, RoundScan, RoundTrainer } from './modelWorker';

/** What the loop needs from its session. */
export interface TrainingHost {
  /** All current (answered, not undone, not ignored) labels as pool-row pairs. */
  pairs(): PairLabel[];
  /** Answers currently counted (not undone), for the version record. */
  answerCount(): number;
  roundOptions(): RoundOptions & { updateEvery: number };
  /** Swaps the index to the new embeddings; called inside the trainer's task, before the version is announced. */
  install(version: number, vectors: Float32Array, rows: number, neighbours?: RoundOutput['neighbours']): void;
  /** Rows whose neighbours the round should compute on the new embeddings (in the worker). */
  scan?: RoundScan;
  versionLive(record: ModelVersionRecord): void;
  /** Training flag or round counters changed. */
  stateChanged(): void;
}

/**
 * Schedules training rounds: one after every `updateEvery` answers, never two at once. Answers (or undos)
 * arriving during a round mark it dirty and exactly one more round follows, on the labels of that moment.
 */
export class TrainingLoop {
  private running = false;
  private dirty = false;
  private closed = false;
  private answersSinceRound = 0;
  private version = 0;
  private loss: number | null = null;
  private readonly records: ModelVersionRecord[] = [];
  private readonly waiters = new ConditionWaiters();
  /** Versions trained before a restart: the worker counts from 0 again, the session goes on from here. */
  private readonly versionOffset: number;

  /** `restored`: the versions a resumed dataset had (its model starts from the last one's weights). */
  constructor(
    private readonly trainer: RoundTrainer,
    private readonly host: TrainingHost,
    restored: readonly ModelVersionRecord[] = []
  ) {
    this.records.push(...restored);
    const last = restored.at(-1);
    this.versionOffset = last?.version ?? 0;
    this.version = this.versionOffset;
    this.loss = last?.loss ?? null;
  }

  get modelVersion(): number {
    return this.version;
  }

  /** The session's number for a version the worker counts (from 0 again after a restart). */
  sessionVersion(workerVersion: number): number {
    return this.versionOffset + workerVersion;
  }

  get lastLoss(): number | null {
    return this.loss;
  }

  /** A round runs, or is owed (dirty, or enough answers for the next one). */
  get busy(): boolean {
    return this.running || this.dirty;
  }

  get training(): boolean {
    return this.running;
  }

  history(): ModelVersionRecord[] {
    return [...this.records];
  }

  answered(): void {
    this.answersSinceRound++;
    if (this.answersSinceRound >= this.host.roundOptions().updateEvery) {
      this.request();
    }
    this.host.stateChanged();
  }

  /** Starts a round now (or after the running one), whatever the answer count: a restored dataset catches up. */
  trainNow(): void {
    this.request();
  }

  /** An undo: a running round may have read the undone answer, so one more round follows it. */
  undone(): void {
    this.answersSinceRound = Math.max(0, this.answersSinceRound - 1);
    if (this.running) {
      this.dirty = true;
    }
    this.host.stateChanged();
  }

  /**
   * Resolves true once `modelVersion ≥ version`; with `version` undefined, once no round runs or is owed
   * (at once if idle). Resolves false after `timeoutMs`.
   */
  wait(version: number | undefined, timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(version === undefined ? () => !this.busy : () => this.version >= version, timeoutMs);
  }

  close(): void {
    this.closed = true;
    this.waiters.closeAll();
  }

  private request(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    this.host.stateChanged();
    try {
      do {
        this.dirty = false;
        await this.round();
      } while (this.dirty && !this.closed);
    } finally {
      this.running = false;
      this.host.stateChanged();
      this.waiters.settle();
    }
  }

  private async round(): Promise<void> {
    const labels = this.host.pairs();
    this.answersSinceRound = 0;
    if (labels.length === 0) {
      return;
    }
    const started = performance.now();
    const answers = this.host.answerCount();
    const { updateEvery: _updateEvery, ...options } = this.host.roundOptions();
    try {
      await this.trainer.trainRound(
        labels,
        options,
        (output: RoundOutput) => {
          if (output.vectors === null || this.closed) {
            return;
          }
          const version = this.versionOffset + output.result.modelVersion;
          this.host.install(version, output.vectors, output.rows, output.neighbours);
          this.version = version;
          this.loss = output.result.loss;
          const record: ModelVersionRecord = {
            version: this.version,
            loss: this.loss,
            answers,
            time: new Date().toISOString(),
            trainMs: Math.round(performance.now() - started)
          };
          this.records.push(record);
          this.host.versionLive(record);
          // model/wait resolves now: the worker's follow-up ranking (RoundScan) must not delay it.
          this.waiters.settle();
        },
        this.host.scan
      );
    } catch (err) {
      log('error', `training round failed: ${describeError(err)}`);
    }
    this.waiters.settle();
  }
}
