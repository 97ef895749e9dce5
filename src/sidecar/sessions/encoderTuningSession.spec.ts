import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SessionConfig, TrainingMode } from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { readSafetensors } from '../engine/models/bert';
import { SidecarError } from '../errors';
import { EmbeddingCache, openEmbeddingCache } from '../store/embeddingCache';
import { SqliteLabelStore } from '../store/sqliteLabelStore';
import { itemsChunk } from '../testing/arrowChunks';
import { makeTinyBert } from '../testing/tinyBert';
import { waitFor } from '../testing/waitFor';
import { LabelingSession } from './labelingSession';
import { SessionManager } from './sessionManager';

/**
 * Sentence-encoder sessions that train the encoder itself (trainingMode top-layers and full) on the tiny
 * random BERT (2 layers, hidden 32): which tensors change, and that the export is the model the sidecar
 * ran (sentence-transformers in the project's venv embeds like `model/embed`).
 */

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const WORDS = ['my', 'card', 'account', 'money', 'transfer', 'payment', 'pin', 'refund', 'atm', 'top', 'up'];

function texts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const words = [0, 1, 2, 3].map(k => WORDS[(i * (k + 3) + k * 7) % WORDS.length]);
    return `${words.join(' ')} ${i}`;
  });
}

/** Tensor names whose values differ between two safetensors files. */
function changedTensors(before: string, after: string): string[] {
  const a = readSafetensors(before);
  const b = readSafetensors(after);
  return [...a.keys()].filter(name => {
    const x = a.get(name)?.values as Float32Array;
    const y = b.get(name)?.values as Float32Array;
    return x.some((v, i) => v !== y[i]);
  });
}

/** Answers the next `n` questions, each with its first candidate relevant (answer ids `${prefix}0`, …). */
function answerFirstCandidates(session: LabelingSession, n: number, prefix: string): void {
  for (let i = 0; i < n; i++) {
    const question = session.nextQuestion('c1');
    if (question === null) {
      throw new Error('no question');
    }
    session.answer('c1', {
      questionId: question.id,
      answerId: `${prefix}${i}`,
      relevant: [question.candidates[0].id],
      ignore: false
    });
  }
}

describe('sentence-encoder sessions that tune the encoder (top-layers, full)', () => {
  let tmp: string;
  let modelDir: string;
  let cache: EmbeddingCache;
  let manager: SessionManager;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-encoder-tuning-'));
    modelDir = makeTinyBert(join(tmp, 'models', 'tiny'));
    cache = openEmbeddingCache(join(tmp, 'data'));
    manager = new SessionManager(
      SqliteLabelStore.open({ file: ':memory:' }),
      { progressChanged: () => undefined, sessionsChanged: () => undefined },
      { root: new AllowedRoot(join(tmp, 'models')), embeddingCache: cache, exportDir: join(tmp, 'exports') }
    );
  });
  afterAll(() => {
    manager?.closeAll();
    cache?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const config = (name: string, extra: Partial<SessionConfig>): SessionConfig => ({
    name,
    task: 'similarity',
    model: 'sentence-encoder',
    modelPath: modelDir,
    contentType: 'text',
    topK: 4,
    learningRate: 1e-3,
    ...extra
  });

  /** A session of `mode` over 48 texts, trained to version ≥ 1 on three answers. */
  async function trained(mode: TrainingMode, extra: Partial<SessionConfig> = {}): Promise<LabelingSession> {
    const pool = texts(48);
    const session = await manager.createReady(config(mode, { trainingMode: mode, ...extra }));
    session.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    await session.settled();
    expect(session.progress().loadedItems).toBe(pool.length);
    answerFirstCandidates(session, 3, 'a');
    expect((await session.waitForModel(1, 60_000)).reached).toBe(true);
    // Idle (every answer trained on): no round changes the weights between the export and model/embed.
    expect((await session.waitForModel(undefined, 60_000)).reached).toBe(true);
    return session;
  }

  it('top-layers trains only the top layers: the lower layers and embeddings export unchanged', async () => {
    const session = await trained('top-layers', { trainLayers: 1 });
    expect(session.tunesEncoder).toBe(true);
    const dir = join(tmp, 'saved-top');
    const saved = await session.exportSentenceEncoder(dir);
    expect(saved.modelVersion).toBeGreaterThanOrEqual(1);
    const changed = changedTensors(join(modelDir, 'model.safetensors'), join(dir, 'model.safetensors'));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every(name => name.startsWith('encoder.layer.1.'))).toBe(true);
    // No TF.js model to hand out: model/export answers with the directory alone.
    await expect(session.exportModel()).rejects.toThrow(/no TF.js model/);

    // sentence-transformers loads the export and embeds as the sidecar does.
    const sample = texts(48).slice(0, 8);
    const ours = await session.embed(itemsChunk(sample));
    expect(ours.modelVersion).toBe(saved.modelVersion);
    if (!existsSync(PYTHON)) {
      throw new Error(`${PYTHON} is missing: run \`make install\``);
    }
    const textsFile = join(tmp, 'texts.json');
    const out = join(tmp, 'python.json');
    writeFileSync(textsFile, JSON.stringify(sample));
    const script = join(ROOT, 'tests', 'fixtures', 'st_export_reference.py');
    const run = spawnSync(PYTHON, [script, 'encode', dir, textsFile, out], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1' }
    });
    if (run.status !== 0) {
      throw new Error(`st_export_reference.py encode failed (${run.status}):\n${run.stderr}`);
    }
    const python = JSON.parse(readFileSync(out, 'utf8')) as {
      sentence_transformers: number[][];
      modules: string[];
      warnings: string[];
    };
    expect(python.modules).toEqual(['Transformer', 'Pooling', 'Normalize']);
    expect(python.warnings).toEqual([]);
    const dim = ours.dim;
    python.sentence_transformers.forEach((row, i) => {
      const mine = ours.vectors.subarray(i * dim, (i + 1) * dim);
      const dot = row.reduce((s, v, j) => s + v * mine[j], 0);
      const norms = Math.hypot(...row) * Math.hypot(...mine);
      expect(dot / norms).toBeGreaterThanOrEqual(0.9999);
    });
  });

  it('full fine-tuning changes every layer and the embeddings', async () => {
    const session = await trained('full');
    const { directory } = await session.exportSentenceEncoder();
    const changed = changedTensors(join(modelDir, 'model.safetensors'), join(directory, 'model.safetensors'));
    for (const prefix of ['embeddings.', 'encoder.layer.0.', 'encoder.layer.1.']) {
      expect(changed.some(name => name.startsWith(prefix))).toBe(true);
    }
  });

  it('refuses a bad trainLayers, naming the field', async () => {
    const refused = async (extra: Partial<SessionConfig>): Promise<SidecarError> => {
      try {
        await manager.createReady(config('bad', extra));
      } catch (err) {
        return err as SidecarError;
      }
      throw new Error('accepted');
    };
    for (const extra of [
      { trainingMode: 'top-layers' as const, trainLayers: 3 },
      { trainingMode: 'top-layers' as const, trainLayers: 0 },
      { trainingMode: 'adapter' as const, trainLayers: 1 },
      { trainingMode: 'full' as const, trainLayers: 1 }
    ]) {
      const err = await refused(extra);
      expect(err).toBeInstanceOf(SidecarError);
      expect(err.data).toMatchObject({ kind: 'invalid_params', path: '/trainLayers' });
    }
  });
  /** A sidecar's store and sessions over the label file `file` (a second call on one file is a restart). */
  function sidecarOn(file: string): { store: SqliteLabelStore; sessions: SessionManager } {
    const store = SqliteLabelStore.open({ file });
    const sessions = new SessionManager(
      store,
      { progressChanged: () => undefined, sessionsChanged: () => undefined },
      { root: new AllowedRoot(join(tmp, 'models')), embeddingCache: cache, exportDir: join(tmp, 'exports') }
    );
    return { store, sessions };
  }

  /**
   * A full-mode session over `pool` on a fresh label file, trained on three answers, its tuned version
   * saved; then that sidecar "dies". Returns what a restart needs and the embeddings before and after.
   */
  async function tunedThenStopped(name: string, pool: string[]) {
    const file = join(mkdtempSync(join(tmp, 'restart-')), 'labels.sqlite3');
    const first = sidecarOn(file);
    const session = await first.sessions.createReady(config(name, { trainingMode: 'full', queryOrder: 'sequential' }));
    session.appendItems({ chunkIndex: 0, totalItems: pool.length, isLast: true, payload: itemsChunk(pool) });
    await session.settled();
    const frozen = await session.embed(itemsChunk(pool));
    answerFirstCandidates(session, 3, name);
    expect((await session.waitForModel(undefined, 60_000)).reached).toBe(true);
    const version = session.modelVersion;
    expect(version).toBeGreaterThanOrEqual(1);
    const tuned = await session.embed(itemsChunk(pool));
    // The version is saved off the answer path; the sidecar "dies" once it is on disk.
    await waitFor(
      () => first.store.modelVersions(session.id).some(v => v.version === version && v.path !== null),
      30_000,
      `model version ${version} to be saved`
    );
    const savedDir = first.store.modelVersions(session.id).find(v => v.version === version)?.path as string;
    first.sessions.closeAll();
    return { file, id: session.id, version, savedDir, frozen, tuned };
  }

  it('a restarted sidecar resumes the tuned encoder: its version, its embeddings, an index built with it', async () => {
    const pool = texts(48);
    const { file, id, version, frozen, tuned } = await tunedThenStopped('resumed', pool);

    const second = sidecarOn(file);
    try {
      const restored = second.sessions.get(id);
      await restored.ready;
      await restored.settled();
      expect(restored.modelVersion).toBe(version);
      const again = await restored.embed(itemsChunk(pool));
      expect(again.modelVersion).toBe(version);
      again.vectors.forEach((v, i) => expect(v).toBeCloseTo(tuned.vectors[i], 5));

      // The restored index holds the tuned encoder's embeddings, not the frozen cache's.
      const dim = tuned.dim;
      const cosine = (vectors: Float32Array, a: number, b: number): number =>
        vectors.subarray(a * dim, (a + 1) * dim).reduce((s, v, j) => s + v * vectors[b * dim + j], 0);
      const question = restored.nextQuestion('c1');
      if (question === null) {
        throw new Error('no question after the restart');
      }
      const topK = question.candidates.filter(c => c.extra === undefined);
      expect(topK.length).toBeGreaterThan(0);
      topK.forEach(c => expect(c.score).toBeCloseTo(cosine(tuned.vectors, question.query.index, c.index), 4));
      expect(topK.some(c => Math.abs(c.score - cosine(frozen.vectors, question.query.index, c.index)) > 1e-3)).toBe(
        true
      );

      // Training goes on from the restored weights, under the next version number.
      restored.answer('c1', {
        questionId: question.id,
        answerId: 'r3',
        relevant: [question.candidates[0].id],
        ignore: false
      });
      expect((await restored.waitForModel(version + 1, 60_000)).reached).toBe(true);
      expect(
        restored
          .history()
          .map(v => v.version)
          .slice(-2)
      ).toEqual([version, version + 1]);
    } finally {
      second.sessions.closeAll(); // a live worker thread would keep jest from exiting
    }
  });

  it('a restarted sidecar whose saved version is unreadable trains again from the base model on the stored answers', async () => {
    const pool = texts(48);
    const { file, id, version, savedDir, frozen } = await tunedThenStopped('lost', pool);
    writeFileSync(join(savedDir, 'model.safetensors'), 'not a safetensors file');

    const second = sidecarOn(file);
    try {
      const restored = second.sessions.get(id);
      await restored.ready;
      await restored.settled();
      expect(restored.progress().done).toBe(3);
      expect(second.store.answers(id)).toHaveLength(3);
      // Without the saved weights the model would be the base one under version N's name: a round on the
      // stored answers makes version N+1 without waiting for another answer.
      expect((await restored.waitForModel(version + 1, 60_000)).reached).toBe(true);
      const retrained = await restored.embed(itemsChunk(pool));
      expect(retrained.modelVersion).toBe(version + 1);
      // Trained on the answers, not the frozen encoder left as it was.
      expect(retrained.vectors.some((v, i) => Math.abs(v - frozen.vectors[i]) > 1e-3)).toBe(true);
    } finally {
      second.sessions.closeAll();
    }
  });
});
