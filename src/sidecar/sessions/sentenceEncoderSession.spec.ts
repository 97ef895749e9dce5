import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress, SessionConfig } from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { encoderStarts } from '../encoder/encoderClient';
import { FIRST_SLICE_ROWS, SLICE_ROWS } from '../encoder/poolEncoder';
import { SidecarError } from '../errors';
import { EMBEDDING_CACHE_FILE, EmbeddingCache, openEmbeddingCache } from '../store/embeddingCache';
import { SqliteLabelStore } from '../store/sqliteLabelStore';
import { itemsChunk } from '../testing/arrowChunks';
import { makeTinyBert } from '../testing/tinyBert';
import { LabelingSession } from './labelingSession';
import { SessionManager } from './sessionManager';

jest.setTimeout(240_000);

const WORDS = ['my', 'card', 'account', 'money', 'transfer', 'payment', 'pin', 'refund', 'atm', 'top', 'up'];

/** Distinct short texts over the tiny BERT's vocabulary. */
function texts(n: number, salt = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const words = [0, 1, 2, 3].map(k => WORDS[(i * (k + 3) + k * 7 + salt) % WORDS.length]);
    return `${words.join(' ')} ${i + salt * 100_000}`;
  });
}

describe('a similarity session on a pretrained sentence encoder (adapter mode)', () => {
  let tmp: string;
  let modelDir: string;
  let cache: EmbeddingCache;
  let manager: SessionManager;
  const progress = new Map<string, Progress[]>();

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-encoder-session-'));
    modelDir = makeTinyBert(join(tmp, 'models', 'tiny'));
    cache = openEmbeddingCache(join(tmp, 'data'));
    manager = new SessionManager(
      SqliteLabelStore.open({ file: ':memory:' }),
      {
        progressChanged: (id, p) => progress.set(id, [...(progress.get(id) ?? []), p]),
        sessionsChanged: () => undefined
      },
      { root: new AllowedRoot(join(tmp, 'models')), embeddingCache: cache }
    );
  }, 240_000);
  afterAll(() => {
    manager?.closeAll();
    cache?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const config = (name: string, extra: Partial<SessionConfig> = {}): SessionConfig => ({
    name,
    task: 'similarity',
    model: 'sentence-encoder',
    modelPath: modelDir,
    contentType: 'text',
    topK: 5,
    ...extra
  });

  it('serves questions while the pool is still embedding, and learns from answers', async () => {
    const pool = texts(FIRST_SLICE_ROWS + 2 * SLICE_ROWS);
    const session = await manager.createReady(config('banking'));
    expect(session.info().trainingMode ?? 'adapter').toBe('adapter');
    // Ask from inside the progress callback that the first slices' embedding triggers: deterministic.
    let askedWhile: { loaded: number; total: number; question: boolean } | undefined;
    const listener = (p: Progress) => {
      if (askedWhile === undefined && p.loadedItems >= 2 && p.loadedItems < p.itemCount) {
        askedWhile = { loaded: p.loadedItems, total: p.itemCount, question: session.nextQuestion('c1') !== null };
        expect(p.embedding).toBe(true);
      }
    };
    const watch = setInterval(() => (progress.get(session.id) ?? []).forEach(listener), 1);
    session.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    // The chunk is acknowledged before it is embedded (the encoder runs in its own worker).
    await session.chunkAcknowledged();
    expect(session.progress().loadedItems).toBeLessThan(pool.length);
    await session.settled();
    clearInterval(watch);
    (progress.get(session.id) ?? []).forEach(listener);
    expect(askedWhile).toMatchObject({ question: true, total: pool.length });
    expect(askedWhile?.loaded).toBeLessThan(pool.length);
    const done = session.progress();
    expect(done).toMatchObject({ loadedItems: pool.length, itemCount: pool.length, embedding: false, cachedItems: 0 });

    for (let i = 0; i < 3; i++) {
      const question = session.nextQuestion('c1');
      if (question === null) {
        throw new Error('no question');
      }
      session.answer('c1', {
        questionId: question.id,
        answerId: `a${i}`,
        relevant: [question.candidates[0].id],
        ignore: false
      });
    }
    const waited = await session.waitForModel(1, 60_000);
    expect(waited.reached).toBe(true);
    expect(session.modelVersion).toBeGreaterThanOrEqual(1);

    // The adapter, as a sentence-transformers Dense layer: [out, in], near the identity after a few steps.
    const dense = await session.adapterDense();
    expect(dense).toMatchObject({ inFeatures: 32, outFeatures: 32, activation: 'identity' });
    expect(dense.weight[0]).toBeGreaterThan(0.9);
    expect(Math.abs(dense.weight[1])).toBeLessThan(0.1);
  });

  it('embeds a pool once: a second session on the same texts starts no encoder', async () => {
    const pool = texts(300, 1);
    const first = await manager.createReady(config('first'));
    first.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    await first.settled();
    expect(first.progress().cachedItems).toBe(0);
    const startsBefore = encoderStarts.count;
    const second = await manager.createReady(config('second'));
    second.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    await second.settled();
    expect(second.progress()).toMatchObject({ cachedItems: pool.length, loadedItems: pool.length });
    expect(encoderStarts.count).toBe(startsBefore);
    // Same texts, same model: the same version-0 embeddings, so the same first neighbours.
    const row = (s: LabelingSession) => s.nextQuestions('c', 1)[0];
    expect(row(second).candidates.length).toBe(5);
  });

  it('a restarted sidecar restores the dataset from the store and the cache: no encoder, the adapter weights back', async () => {
    const file = join(tmp, 'restart', 'labels.sqlite3');
    const open = () => {
      const store = SqliteLabelStore.open({ file });
      const manager = new SessionManager(
        store,
        { progressChanged: () => undefined, sessionsChanged: () => undefined },
        { root: new AllowedRoot(join(tmp, 'models')), embeddingCache: cache }
      );
      return { store, manager };
    };
    const { store, manager: before } = open();
    const pool = texts(200, 3);
    const session = await before.createReady(config('restart', { updateEvery: 2 }));
    session.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    await session.settled();
    for (let i = 0; i < 2; i++) {
      const question = session.nextQuestion('c');
      if (question === null) {
        throw new Error('no question');
      }
      session.answer('c', {
        questionId: question.id,
        answerId: `r${i}`,
        relevant: [question.candidates[1].id],
        ignore: false
      });
    }
    expect((await session.waitForModel(1, 60_000)).reached).toBe(true);
    const trained = await session.adapterDense();
    // The version the restart loads is on disk.
    for (let waited = 0; !store.modelVersions(session.id).some(v => v.version >= 1 && v.path !== null); waited++) {
      if (waited > 600) {
        throw new Error('model version 1 was never saved');
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    before.closeAll();

    const startsBefore = encoderStarts.count;
    const after = open().manager;
    const restored = after.get(session.id);
    await restored.ready;
    await restored.settled();
    try {
      expect(restored.progress()).toMatchObject({ done: 2, loadedItems: pool.length, cachedItems: pool.length });
      expect(restored.modelVersion).toBeGreaterThanOrEqual(1);
      expect(encoderStarts.count).toBe(startsBefore);
      expect(Array.from((await restored.adapterDense()).weight.subarray(0, 8))).toEqual(
        Array.from(trained.weight.subarray(0, 8))
      );
    } finally {
      after.closeAll();
    }
  });

  describe('a model directory that cannot be used is an InvalidParams naming /modelPath', () => {
    const refused = async (extra: Partial<SessionConfig>, name: string, anyModelPath = false) => {
      const err = await manager.createReady(config(name, extra), { anyModelPath }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SidecarError);
      expect((err as SidecarError).data).toMatchObject({ path: '/modelPath' });
      return (err as SidecarError).message;
    };

    it('missing', async () => {
      expect(await refused({ modelPath: join(tmp, 'models', 'nope') }, 'missing')).toMatch(/does not exist/);
    });

    it('corrupt weights', async () => {
      const broken = join(tmp, 'models', 'broken');
      mkdirSync(broken);
      for (const name of readdirSync(modelDir)) {
        if (statSync(join(modelDir, name)).isFile()) {
          copyFileSync(join(modelDir, name), join(broken, name));
        }
      }
      truncateSync(join(broken, 'model.safetensors'), 4);
      expect(await refused({ modelPath: broken }, 'broken')).toMatch(/model\.safetensors is truncated/);
    });

    it('outside the allowed root and model roots (a browser client)', async () => {
      const outside = mkdtempSync(join(tmpdir(), 'tunelab-outside-'));
      try {
        expect(await refused({ modelPath: outside }, 'outside')).toMatch(/outside the allowed root/);
        // A kernel may name it: then the directory itself is checked.
        expect(await refused({ modelPath: outside }, 'outside-kernel', true)).toMatch(/config\.json/);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    it('and the manager keeps serving sessions afterwards', async () => {
      const session = await manager.createReady(config('after-errors'));
      session.appendItems({ chunkIndex: 0, totalItems: 20, isLast: true, payload: itemsChunk(texts(20, 2)) });
      await session.settled();
      expect(session.nextQuestion('c')).not.toBeNull();
    });
  });

  it('a cache that cannot be opened degrades to embedding without it', () => {
    const file = join(tmp, 'not-a-dir');
    // A plain file where the cache directory should be: opening fails, the cache holds nothing.
    copyFileSync(join(modelDir, 'config.json'), file);
    const broken = openEmbeddingCache(join(file, 'sub'));
    expect(broken.get('m', [Buffer.alloc(32)], 4)).toEqual([undefined]);
    broken.put('m', [Buffer.alloc(32)], new Float32Array(4), 4);
    expect(EMBEDDING_CACHE_FILE).toBe('embeddings.sqlite3');
  });
});
