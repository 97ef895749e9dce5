import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Question, SessionConfig } from '../../../protocol/messages';
import { Rng } from '../../engine/training/random';
import { makeClusteredData } from '../../engine/training/synthetic';
import { itemsChunk, vectorsChunk } from '../../testing/arrowChunks';
import { sidecarErrorOf } from '../../testing/sidecarErrorOf';
import { SqliteLabelStore } from '../../store/sqliteLabelStore';
import type { LabelingSession } from '../labelingSession';
import { SessionManager } from '../sessionManager';

jest.setTimeout(120_000);

const LABELS = ['Sports', 'Tech', 'Food'];
const VOCAB: Record<string, string[]> = {
  Sports: ['goal', 'match', 'league', 'coach', 'striker', 'referee', 'season', 'stadium', 'tennis', 'cup'],
  Tech: ['software', 'chip', 'laptop', 'startup', 'cloud', 'server', 'code', 'robot', 'browser', 'gadget'],
  Food: ['recipe', 'pasta', 'bakery', 'chef', 'spicy', 'dessert', 'soup', 'cheese', 'grill', 'salad']
};
const FILLER = ['today', 'news', 'people', 'big', 'new', 'week', 'report', 'story'];

/** Short texts of three topics: four topic words and two shared filler words each. */
function topicTexts(n: number, seed: number): { texts: string[]; labels: string[] } {
  const rng = new Rng(seed);
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = LABELS[rng.int(LABELS.length)];
    const words = [
      ...Array.from({ length: 4 }, () => VOCAB[label][rng.int(10)]),
      FILLER[rng.int(FILLER.length)],
      FILLER[rng.int(FILLER.length)]
    ];
    texts.push(`${words.join(' ')} ${i}`);
    labels.push(label);
  }
  return { texts, labels };
}

function config(name: string, extra: Omit<Partial<SessionConfig>, 'topK'> = {}): SessionConfig {
  return {
    name,
    task: 'classification',
    model: 'hashed-ngram',
    contentType: 'text',
    topK: 5,
    labels: LABELS,
    ...extra
  };
}

function sidecar(file = join(mkdtempSync(join(tmpdir(), 'tunelab-cls-')), 'labels.sqlite3')) {
  const store = SqliteLabelStore.open({ file });
  const updates: number[] = [];
  const manager = new SessionManager(store, {
    progressChanged: () => undefined,
    sessionsChanged: () => undefined,
    modelUpdated: (_id, record) => updates.push(record.version)
  });
  return { store, manager, updates, restart: () => sidecar(file) };
}

function load(session: LabelingSession, texts: readonly string[]): void {
  session.appendItems({ chunkIndex: 0, totalItems: texts.length, isLast: true, payload: itemsChunk(texts) });
}

function next(session: LabelingSession, holder = 'c1'): Question {
  const question = session.nextQuestion(holder);
  if (question === null) {
    throw new Error('no question');
  }
  return question;
}

/** Answers the next question with the true label; returns the question. */
function answerTruly(session: LabelingSession, truth: readonly string[], answerId: string, holder = 'c1'): Question {
  const question = next(session, holder);
  session.answer(holder, {
    questionId: question.id,
    answerId,
    relevant: [],
    ignore: false,
    labels: [truth[question.query.index]]
  });
  return question;
}

async function accuracy(session: LabelingSession, texts: string[], truth: string[]): Promise<number> {
  const { probs, labels, rows } = await session.predict(itemsChunk(texts));
  let right = 0;
  for (let i = 0; i < rows; i++) {
    const row = Array.from(probs.subarray(i * labels.length, (i + 1) * labels.length));
    right += labels[row.indexOf(Math.max(...row))] === truth[i] ? 1 : 0;
  }
  return right / rows;
}

describe('classification sessions', () => {
  const { manager, store, updates } = sidecar();
  afterAll(() => manager.closeAll());

  it('refuses bad label lists at /labels with a message naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [[], /label list is empty/],
      [['Sports', ' sports '], /'Sports' and 'sports' are the same label/],
      [['Sports', '  '], /label 2 is blank/],
      [['Sports'], /at least two labels/]
    ];
    for (const [labels, message] of cases) {
      const err = sidecarErrorOf(() => manager.create(config(`bad-${String(labels)}`, { labels: labels as string[] })));
      expect(err.data).toMatchObject({ kind: 'invalid_params', path: '/labels' });
      expect(err.message).toMatch(message);
    }
    const similarity = sidecarErrorOf(() =>
      manager.create({
        name: 'sim-labels',
        task: 'similarity',
        model: 'hashed-ngram',
        contentType: 'text',
        topK: 5,
        labels: LABELS
      })
    );
    expect(similarity.data).toMatchObject({ path: '/labels' });
    expect(similarity.message).toMatch(/labels are for task "classification"/);
    expect(manager.list()).toHaveLength(0);
  });

  it('fills the classification defaults into the effective config', () => {
    const info = manager.create(config('defaults')).info();
    expect(info).toMatchObject({
      labels: LABELS,
      multiLabel: false,
      updateEvery: 10,
      certaintyThreshold: 0.9,
      uncertainty: 'margin',
      diversityWeight: 0.3,
      randomShare: 0.1
    });
  });

  it('asks with choices, predicts once two classes are labelled, and learns above chance', async () => {
    const { texts, labels: truth } = topicTexts(240, 3);
    const held = topicTexts(90, 99);
    const session = manager.create(config('learn', { updateEvery: 5, certaintyThreshold: null }));
    load(session, texts);
    const first = next(session);
    expect(first.choices).toEqual(LABELS);
    expect(first.candidates).toEqual([]);
    expect(first.prediction).toBeNull();
    expect(first.strategy).toBe('random');
    const asked = new Set<number>();
    for (let i = 0; i < 30; i++) {
      asked.add(answerTruly(session, truth, `a${i}`).query.index);
    }
    expect(asked.size).toBe(30); // no item asked twice
    expect(session.modelVersion).toBe(6);
    const q = next(session);
    expect(q.prediction).not.toBeNull();
    expect(q.prediction?.scores).toHaveLength(3);
    expect(q.prediction?.modelVersion).toBe(6);
    expect(['uncertain', 'random']).toContain(q.strategy);
    const acc = await accuracy(session, held.texts, held.labels);
    expect(acc).toBeGreaterThan(0.7); // chance is 1/3
    expect(updates.slice(-6)).toEqual([1, 2, 3, 4, 5, 6]);
    const head = session.classifier().exportHead()!;
    expect(head).toMatchObject({ format: 'tunelab-classifier-head/1', labels: LABELS, numClasses: 3, modelVersion: 6 });
    expect(session.history().map(r => r.version)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('trains every updateEvery real answers: undo, skip and a resent answer id do not count', async () => {
    const { texts, labels: truth } = topicTexts(60, 5);
    const session = manager.create(config('rounds', { updateEvery: 3 }));
    load(session, texts);
    answerTruly(session, truth, 'r1');
    answerTruly(session, truth, 'r2');
    session.undo('c1');
    answerTruly(session, truth, 'r3'); // the undone item again: 2 counted
    const skipped = next(session);
    session.answer('c1', { questionId: skipped.id, answerId: 'skip', relevant: [], ignore: true });
    const resent = session.answer('c1', {
      questionId: skipped.id,
      answerId: 'r1',
      relevant: [],
      ignore: false,
      labels: ['Food']
    });
    expect(resent.duplicate).toBe(true);
    expect(session.modelVersion).toBe(0);
    expect(session.progress()).toMatchObject({ sinceUpdate: 2, ignored: 1, done: 3 });
    answerTruly(session, truth, 'r4');
    expect(session.modelVersion).toBe(1);
    expect(session.progress().sinceUpdate).toBe(0);
    session.classifier().trainNow(); // session/train
    expect(session.modelVersion).toBe(2);
    await session.configure({ updateEvery: 1 });
    answerTruly(session, truth, 'r5');
    expect(session.modelVersion).toBe(3);
    const stored = store.answers(session.id);
    expect(stored.map(a => a.answerId)).toEqual(['r1', 'r2', 'r3', 'skip', 'r4', 'r5']);
    expect(stored[1].undone).toBe(true);
    expect(stored[0].labels).toEqual([truth[Number(session.labels()[0].queryIndex)]]);
    expect(stored[3]).toMatchObject({ ignored: true, labels: [] });
  });

  it('query orders: sequential asks in dataset order, random draws uniformly even once the model predicts', () => {
    const { texts, labels: truth } = topicTexts(40, 17);
    const sequential = manager.create(config('sequential', { queryOrder: 'sequential', updateEvery: 2 }));
    load(sequential, texts);
    const order = Array.from({ length: 6 }, (_, i) => answerTruly(sequential, truth, `q${i}`));
    expect(order.map(q => q.query.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order.map(q => q.strategy)).toEqual(Array(6).fill('sequential'));
    const random = manager.create(config('random-order', { queryOrder: 'random', updateEvery: 2 }));
    load(random, texts);
    const asked = Array.from({ length: 8 }, (_, i) => answerTruly(random, truth, `r${i}`));
    expect(random.modelVersion).toBe(4);
    expect(asked.map(q => q.strategy)).toEqual(Array(8).fill('random'));
  });

  it('model/wait reports the progress of the version it waited for', async () => {
    const { texts, labels: truth } = topicTexts(30, 18);
    const session = manager.create(config('wait', { updateEvery: 2 }));
    load(session, texts);
    const waiting = session.waitForModel(1, 10_000);
    await new Promise(resolve => setImmediate(resolve)); // the wait is registered before the round
    answerTruly(session, truth, 'w1');
    answerTruly(session, truth, 'w2');
    expect(await waiting).toMatchObject({ reached: true, progress: { modelVersion: 1, training: false } });
  });

  it('refuses unknown labels and multiple labels in a single-label session, storing nothing', () => {
    const { texts } = topicTexts(20, 6);
    const session = manager.create(config('bad-answers'));
    load(session, texts);
    const q = next(session);
    const unknown = sidecarErrorOf(() =>
      session.answer('c1', { questionId: q.id, answerId: 'x', relevant: [], ignore: false, labels: ['Politics'] })
    );
    expect(unknown.data).toMatchObject({ kind: 'invalid_params', path: '/labels' });
    expect(unknown.message).toMatch(/unknown label 'Politics': the labels are 'Sports', 'Tech', 'Food'/);
    const two = sidecarErrorOf(() =>
      session.answer('c1', { questionId: q.id, answerId: 'y', relevant: [], ignore: false, labels: ['Sports', 'Tech'] })
    );
    expect(two.message).toMatch(/single-label/);
    expect(store.answers(session.id)).toHaveLength(0);
    // Labels match case-insensitively and are stored in the session's spelling.
    session.answer('c1', { questionId: q.id, answerId: 'z', relevant: [], ignore: false, labels: [' tech'] });
    expect(session.labels()[0].labels).toEqual(['Tech']);
  });

  it('keeps answers of a removed label out of training, and refuses new answers naming it', async () => {
    const { texts, labels: truth } = topicTexts(60, 8);
    const session = manager.create(config('relabel', { updateEvery: 100 }));
    load(session, texts);
    for (let i = 0; i < 12; i++) {
      answerTruly(session, truth, `s${i}`);
    }
    const usingFood = session.labels().filter(a => a.labels?.[0] === 'Food').length;
    const result = session.setLabels(['Sports', 'Tech', 'Science']);
    expect(result).toMatchObject({ removed: ['Food'], added: ['Science'] });
    expect(result.messages).toEqual([
      `label 'Food' was removed: ${usingFood} answer${usingFood === 1 ? '' : 's'} using it ${usingFood === 1 ? 'is' : 'are'} kept but left out of training until relabelled`
    ]);
    expect(result.info.labels).toEqual(['Sports', 'Tech', 'Science']);
    expect(session.progress().excluded).toBe(usingFood);
    expect(session.labels().filter(a => a.excluded)).toHaveLength(usingFood);
    expect(store.answers(session.id)).toHaveLength(12);
    // The head trains on the remaining labels only: its prior weight says how many.
    const head = session.classifier().exportHead()!;
    const n = (3 * (1 - head.mix[0])) / head.mix[0];
    expect(Math.round(n)).toBe(12 - usingFood);
    const q = next(session);
    expect(q.choices).toEqual(['Sports', 'Tech', 'Science']);
    const err = sidecarErrorOf(() =>
      session.answer('c1', { questionId: q.id, answerId: 'food', relevant: [], ignore: false, labels: ['Food'] })
    );
    expect(err.message).toMatch(/unknown label 'Food'/);
    expect(store.datasetById(session.id)?.config.labels).toEqual(['Sports', 'Tech', 'Science']);
    // Relabelling an excluded answer's item (startQuestion asks it again) makes it trainable again.
    const food = session.labels().find(a => a.excluded)!;
    await session.configure({ startQuestion: food.queryIndex }, 'c1');
    const again = next(session);
    expect(again.query.index).toBe(food.queryIndex);
    session.answer('c1', { questionId: again.id, answerId: 'fix', relevant: [], ignore: false, labels: ['Science'] });
    expect(session.progress().excluded).toBe(usingFood - 1);
  });

  it('auto-accepts only once the gate opens; machine labels never train unless confirmed', () => {
    const { texts, labels: truth } = topicTexts(300, 12);
    const session = manager.create(config('auto', { updateEvery: 5, certaintyThreshold: 0.8 }));
    load(session, texts);
    let answered = 0;
    const humanCount = (): number => {
      const head = session.classifier().exportHead()!;
      return Math.round((3 * (1 - head.mix[0])) / head.mix[0]);
    };
    while (!session.progress().autoAcceptOpen && answered < 150) {
      expect(session.progress().machineLabels).toBe(0);
      answerTruly(session, truth, `h${answered++}`);
    }
    expect(session.progress().autoAcceptOpen).toBe(true);
    // Answers up to the next round: machine labels come with the first update after the gate opened.
    while (session.progress().machineLabels === 0 && answered < 160) {
      answerTruly(session, truth, `h${answered++}`);
    }
    const machine = session.classifier().machineLabels().machineLabels;
    expect(machine.length).toBeGreaterThan(0);
    expect(machine[0].score).toBeGreaterThanOrEqual(machine.at(-1)!.score);
    expect(machine[0].text).toBe(texts[machine[0].index]);
    const correct = machine.filter(m => m.labels[0] === truth[m.index]).length;
    expect(correct / machine.length).toBeGreaterThan(0.8);
    // Not trained on: the head counts human answers only, and none is a machine label.
    session.classifier().trainNow();
    expect(humanCount()).toBe(session.labels().length);
    expect(store.machineLabels(session.id)).toHaveLength(session.progress().machineLabels!);
    // Machine-labelled items are not asked.
    const machineRows = new Set(
      session
        .classifier()
        .machineLabels()
        .machineLabels.map(m => m.index)
    );
    const q = session.nextQuestion('c2');
    if (q === null) {
      expect(machineRows.size + session.labels().length).toBe(texts.length); // nothing left to ask
    } else {
      expect(machineRows.has(q.query.index)).toBe(false);
    }
    session.release('c2');

    const [first, second, third] = session.classifier().machineLabels().machineLabels;
    const before = session.labels().length;
    session.classifier().confirmMachineLabel(first.index, 'confirm-1', 'ann');
    expect(session.classifier().confirmMachineLabel(first.index, 'confirm-1', 'ann').duplicate).toBe(true);
    const confirmed = session.labels().at(-1)!;
    expect(confirmed).toMatchObject({ labels: first.labels, acceptedPrediction: true, queryIndex: first.index });
    session.classifier().rejectMachineLabel(second.index, 'reject-1', ['Food'], 'ann');
    expect(session.labels().at(-1)).toMatchObject({ labels: ['Food'], acceptedPrediction: false });
    session.classifier().rejectMachineLabel(third.index, 'reject-2', undefined, 'ann');
    expect(session.labels()).toHaveLength(before + 2);
    const rest = session
      .classifier()
      .machineLabels()
      .machineLabels.map(m => m.index);
    expect(rest).not.toContain(first.index);
    expect(rest).not.toContain(second.index);
    expect(rest).not.toContain(third.index);
    const gone = sidecarErrorOf(() => session.classifier().confirmMachineLabel(third.index, 'c-3', 'ann'));
    expect(gone.data).toMatchObject({ path: '/index' });
    session.classifier().trainNow();
    expect(humanCount()).toBe(before + 2);
    void second;
  });

  it('multi-label: any number of labels per item, none included; per-label yes/no predictions', () => {
    const { texts, labels: truth } = topicTexts(60, 31);
    const session = manager.create(
      config('multi', { multiLabel: true, labels: ['Sports', 'Tech', 'Food'], updateEvery: 6 })
    );
    load(session, texts);
    for (let i = 0; i < 6; i++) {
      const q = next(session);
      const own = truth[q.query.index];
      // Every third item gets no label ("none applies"), the rest their topic plus, sometimes, Food.
      const labels = i % 3 === 2 ? [] : i % 3 === 1 && own !== 'Food' ? [own, 'food'] : [own];
      session.answer('c1', { questionId: q.id, answerId: `m${i}`, relevant: [], ignore: false, labels });
    }
    expect(session.modelVersion).toBe(1);
    expect(session.labels().map(a => a.labels?.length)).toEqual([1, expect.any(Number), 0, 1, expect.any(Number), 0]);
    const q = next(session);
    expect(q.prediction).not.toBeNull();
    const scores = q.prediction?.scores ?? [];
    expect(scores).toHaveLength(3);
    expect(q.prediction?.labels).toEqual(['Sports', 'Tech', 'Food'].filter((_, c) => scores[c] >= 0.5));
    expect(session.classifier().exportHead()).toMatchObject({ multiLabel: true, labelled: [true, true, true] });
  });

  it('resumes a classification dataset after a restart and trains on its labels', async () => {
    const first = sidecar();
    const { texts, labels: truth } = topicTexts(80, 21);
    const session = first.manager.create(config('resume', { updateEvery: 100 }));
    load(session, texts);
    for (let i = 0; i < 15; i++) {
      answerTruly(session, truth, `p${i}`);
    }
    expect(session.modelVersion).toBe(0);
    const pending = next(session); // on screen when the sidecar stops; its answer is resent after the restart
    const answers = session.labels();
    first.manager.closeAll();

    const second = first.restart();
    const again = second.manager.create(config('resume'));
    expect(again.id).toBe(session.id);
    expect(again.labels()).toEqual(answers);
    expect(again.modelVersion).toBe(1);
    const resent = again.answer('c1', {
      questionId: pending.id,
      answerId: 'late',
      relevant: [],
      ignore: false,
      labels: [truth[pending.query.index]]
    });
    expect(resent.duplicate).toBe(false);
    expect(again.labels().at(-1)).toMatchObject({ answerId: 'late', queryIndex: pending.query.index });
    const q = next(again);
    expect(q.prediction).not.toBeNull();
    expect([...answers.map(a => a.queryIndex), pending.query.index]).not.toContain(q.query.index);
    second.manager.closeAll();
  });
});

describe('classification over a trainable encoder (mlp on vectors)', () => {
  const { manager } = sidecar();
  afterAll(() => manager.closeAll());

  it('trains the encoder and head in rounds and predicts held-out vectors above chance', async () => {
    const DIM = 16;
    const data = makeClusteredData({ n: 500, dim: DIM, classes: 4, signalDim: 6, noise: 1.2, seed: 4 });
    const names = ['a', 'b', 'c', 'd'];
    const truth = Array.from(data.labels, c => names[c]);
    const session = await manager.createReady({
      name: 'vectors',
      task: 'classification',
      model: 'mlp',
      contentType: 'vector',
      inputShape: [DIM],
      labels: names,
      topK: 5,
      updateEvery: 10,
      seed: 3
    });
    session.appendItems({
      chunkIndex: 0,
      totalItems: 400,
      isLast: true,
      payload: vectorsChunk(data.rows.slice(0, 400 * DIM), DIM)
    });
    await session.settled();
    for (let i = 0; i < 40; i++) {
      answerTruly(session, truth, `v${i}`);
      await session.waitForModel(undefined, 60_000);
    }
    expect(session.modelVersion).toBe(4);
    expect(session.history().at(-1)?.loss).not.toBeNull();
    const held = vectorsChunk(data.rows.slice(400 * DIM), DIM);
    const { probs, rows } = await session.predict(held);
    let right = 0;
    for (let i = 0; i < rows; i++) {
      const row = Array.from(probs.subarray(i * 4, i * 4 + 4));
      right += names[row.indexOf(Math.max(...row))] === truth[400 + i] ? 1 : 0;
    }
    expect(right / rows).toBeGreaterThan(0.5); // chance is 0.25
    const head = session.classifier().exportHead()!;
    expect(head.kernel).toHaveLength(head.dim);
    expect(head.labels).toEqual(names);
  });

  it('resumes after a restart: the worker re-embeds the pool, then one round trains on the stored labels', async () => {
    const DIM = 8;
    const data = makeClusteredData({ n: 80, dim: DIM, classes: 2, signalDim: 4, noise: 1, seed: 9 });
    const truth = Array.from(data.labels, c => (c === 0 ? 'x' : 'y'));
    const first = sidecar();
    const cfg = {
      name: 'mlp-resume',
      task: 'classification' as const,
      model: 'mlp',
      contentType: 'vector' as const,
      inputShape: [DIM],
      labels: ['x', 'y'],
      topK: 5,
      updateEvery: 100
    };
    const session = await first.manager.createReady(cfg);
    session.appendItems({ chunkIndex: 0, totalItems: 80, isLast: true, payload: vectorsChunk(data.rows, DIM) });
    await session.settled();
    for (let i = 0; i < 6; i++) {
      answerTruly(session, truth, `w${i}`);
    }
    expect(session.modelVersion).toBe(0);
    first.manager.closeAll();
    const second = first.restart();
    const again = await second.manager.createReady(cfg);
    expect(again.labels()).toHaveLength(6);
    await again.settled();
    expect((await again.waitForModel(1, 60_000)).reached).toBe(true);
    expect(again.classifier().exportHead()).toMatchObject({ labels: ['x', 'y'], modelVersion: 1 });
    second.manager.closeAll();
  });
});
