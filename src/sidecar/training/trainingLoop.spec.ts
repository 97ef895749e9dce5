import type { PairLabel } from '../engine/training';
import type { RoundOptions, RoundOutput, RoundTrainer } from './modelWorker';
import { TrainingHost, TrainingLoop } from './trainingLoop';

/** A trainer whose rounds end when the test says so, recording the labels of each round and any overlap. */
class FakeTrainer implements RoundTrainer {
  readonly rounds: PairLabel[][] = [];
  running = 0;
  overlapped = false;
  private finishers: (() => void)[] = [];

  trainRound(
    labels: PairLabel[],
    _options: RoundOptions,
    install: (output: RoundOutput) => void
  ): Promise<RoundOutput> {
    this.rounds.push(labels);
    this.running++;
    this.overlapped ||= this.running > 1;
    return new Promise(resolve =>
      this.finishers.push(() => {
        this.running--;
        const output = {
          result: { loss: 0.5, steps: 1, modelVersion: this.rounds.length, lossUsed: 'infonce' as const, examples: 1 },
          vectors: new Float32Array(2),
          rows: 2
        };
        install(output);
        resolve(output);
      })
    );
  }

  async finishOne(): Promise<void> {
    await new Promise(resolve => setImmediate(resolve));
    this.finishers.shift()?.();
    await new Promise(resolve => setImmediate(resolve));
  }
}

function setup(labels: () => PairLabel[], updateEvery = 1) {
  const trainer = new FakeTrainer();
  const installed: number[] = [];
  const host: TrainingHost = {
    pairs: labels,
    answerCount: () => labels().length,
    roundOptions: () => ({ epochs: 1, batchSize: 8, learningRate: 1e-3, updateEvery }),
    install: version => installed.push(version),
    versionLive: () => undefined,
    stateChanged: () => undefined
  };
  return { trainer, loop: new TrainingLoop(trainer, host), installed };
}

describe('TrainingLoop', () => {
  it('never overlaps rounds: answers during a round cause exactly one more round with the latest labels', async () => {
    let labels: PairLabel[] = [{ query: 0, candidate: 1, relevant: true }];
    const { trainer, loop, installed } = setup(() => labels);
    loop.answered();
    expect(loop.training).toBe(true);
    labels = [...labels, { query: 2, candidate: 3, relevant: false }];
    loop.answered();
    labels = [...labels, { query: 4, candidate: 5, relevant: true }];
    loop.answered();
    await trainer.finishOne();
    expect(trainer.rounds).toHaveLength(2);
    expect(trainer.rounds[1]).toHaveLength(3);
    await trainer.finishOne();
    expect(trainer.rounds).toHaveLength(2);
    expect(trainer.overlapped).toBe(false);
    expect(installed).toEqual([1, 2]);
    expect(loop.busy).toBe(false);
    expect(loop.history().map(r => r.version)).toEqual([1, 2]);
  });

  it('trains after every updateEvery answers, and model/wait semantics hold', async () => {
    const labels: PairLabel[] = [{ query: 0, candidate: 1, relevant: true }];
    const { trainer, loop } = setup(() => labels, 3);
    await expect(loop.wait(undefined, 10)).resolves.toBe(true);
    await expect(loop.wait(1, 10)).resolves.toBe(false);
    loop.answered();
    loop.answered();
    expect(trainer.rounds).toHaveLength(0);
    loop.answered();
    const waiting = loop.wait(undefined, 1000);
    const waitingForV1 = loop.wait(1, 1000);
    await trainer.finishOne();
    await expect(waitingForV1).resolves.toBe(true);
    await expect(waiting).resolves.toBe(true);
  });
});
