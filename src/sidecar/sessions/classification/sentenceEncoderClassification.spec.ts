import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllowedRoot } from '../../data/allowedRoot';
import { SqliteLabelStore } from '../../store/sqliteLabelStore';
import { itemsChunk } from '../../testing/arrowChunks';
import { makeTinyBert } from '../../testing/tinyBert';
import { SessionManager } from '../sessionManager';

jest.setTimeout(240_000);

const CARD = ['card', 'pin', 'atm'];
const MONEY = ['transfer', 'payment', 'refund'];

describe('a classification session on a sentence encoder (adapter mode)', () => {
  let tmp: string;
  let modelDir: string;
  let manager: SessionManager;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-cls-encoder-'));
    modelDir = makeTinyBert(join(tmp, 'models', 'tiny'));
    manager = new SessionManager(
      SqliteLabelStore.open({ file: ':memory:' }),
      { progressChanged: () => undefined, sessionsChanged: () => undefined },
      { root: new AllowedRoot(join(tmp, 'models')), exportDir: join(tmp, 'exports') }
    );
  });
  afterAll(() => {
    manager?.closeAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('trains the adapter on class pairs each round and exports the encoder directory with the head', async () => {
    const texts = Array.from({ length: 60 }, (_, i) => {
      const words = i % 2 === 0 ? CARD : MONEY;
      return `my ${words[i % 3]} ${words[(i + 1) % 3]} ${i}`;
    });
    const truth = (index: number): string => (index % 2 === 0 ? 'card' : 'money');
    const session = await manager.createReady({
      name: 'bank',
      task: 'classification',
      model: 'sentence-encoder',
      modelPath: modelDir,
      contentType: 'text',
      topK: 5,
      labels: ['card', 'money'],
      updateEvery: 4
    });
    session.appendItems({ chunkIndex: 0, totalItems: texts.length, isLast: true, payload: itemsChunk(texts) });
    await session.settled();
    for (let i = 0; i < 8; i++) {
      const q = session.nextQuestion('c1');
      if (q === null) {
        throw new Error('no question');
      }
      session.answer('c1', {
        questionId: q.id,
        answerId: `e${i}`,
        relevant: [],
        ignore: false,
        labels: [truth(q.query.index)]
      });
      await session.waitForModel(undefined, 120_000);
    }
    expect(session.modelVersion).toBe(2);
    const history = session.history();
    expect(history.at(-1)?.loss).not.toBeNull(); // the adapter made steps: the loss is the encoder round's
    const q = session.nextQuestion('c1');
    expect(q?.prediction?.scores).toHaveLength(2);
    const exported = await session.exportSentenceEncoder();
    expect(exported.directory).toContain(join(tmp, 'exports'));
    expect(session.classifier().exportHead()).toMatchObject({ labels: ['card', 'money'], modelVersion: 2 });
  });
});
