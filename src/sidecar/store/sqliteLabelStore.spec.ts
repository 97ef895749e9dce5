import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionConfig } from '../../protocol/messages';
import { SidecarError } from '../errors';
import { ErrorCodes } from '../../protocol/errors';
import { modelVersionDir, prepareStorePaths, resolveDataDir } from './dataDir';
import type { DatasetRecord, StoredAnswer, StoredChunk, StoredModelVersion } from './labelStore';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { SqliteLabelStore } from './sqliteLabelStore';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';

let dir: string;
let file: string;
const open: SqliteLabelStore[] = [];

function openStore(options: Partial<Parameters<typeof SqliteLabelStore.open>[0]> = {}): SqliteLabelStore {
  const store = SqliteLabelStore.open({ file, ...options });
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tunelab-store-'));
  file = join(dir, 'labels.sqlite3');
});

afterEach(() => {
  open.splice(0).forEach(store => store.close());
  rmSync(dir, { recursive: true, force: true });
});

const config: SessionConfig = { name: 'flowers', task: 'similarity', model: 'mlp', contentType: 'vector', topK: 5 };

function dataset(id = 'ds-1', name = 'flowers'): DatasetRecord {
  return { id, name, config: { ...config, name }, createdAt: '2026-01-02T03:04:05.000Z', closed: false };
}

function answer(answerId: string, overrides: Partial<StoredAnswer> = {}): StoredAnswer {
  return {
    sessionId: 'ds-1',
    answerId,
    question: {
      questionId: `q-${answerId}`,
      queryId: 1,
      candidateIds: ['1', 2, 'three'],
      candidateExtras: [null, 'hard', 'random'],
      modelVersion: 3,
      strategy: 'uncertain'
    },
    relevantIds: ['1'],
    ignored: false,
    annotator: 'ada',
    origin: 'label',
    answeredAt: '2026-01-02T03:05:00.000Z',
    undone: false,
    ...overrides
  };
}

function chunk(seq: number, payload: Uint8Array): StoredChunk {
  return { datasetId: 'ds-1', seq, uploadId: 'up-1', chunkIndex: seq, totalItems: 4, isLast: seq === 1, payload };
}

function version(n: number, path: string | null = `/models/ds-1/v${n}`): StoredModelVersion {
  return {
    datasetId: 'ds-1',
    version: n,
    loss: n === 0 ? null : 0.5 / n,
    answers: n * 2,
    time: 't',
    trainMs: 12.5,
    path
  };
}

describe('SqliteLabelStore round trips', () => {
  it('stores datasets, config changes and the closed flag', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.createDataset({ ...dataset('ds-2', 'cars'), createdAt: '2026-01-03T00:00:00.000Z', closed: true });
    expect(store.datasetByName('flowers')).toEqual(dataset());
    expect(store.datasetById('ds-2')?.closed).toBe(true);
    expect(store.datasetByName('nope')).toBeUndefined();
    expect(store.datasetById('nope')).toBeUndefined();

    store.updateConfig('ds-1', { ...config, topK: 9, seed: 7 });
    store.setClosed('ds-1', true);
    expect(store.datasetById('ds-1')).toEqual({ ...dataset(), config: { ...config, topK: 9, seed: 7 }, closed: true });
    store.setClosed('ds-1', false);
    expect(store.listDatasets().map(d => [d.id, d.closed])).toEqual([
      ['ds-1', false],
      ['ds-2', true]
    ]);
  });

  it('refuses a second dataset with the same name and changes to unknown datasets', () => {
    const store = openStore();
    store.createDataset(dataset());
    expect(() => store.createDataset(dataset('ds-9'))).toThrow(/UNIQUE/);
    expect(sidecarErrorOf(() => store.updateConfig('nope', config)).data.kind).toBe('internal_error');
    expect(sidecarErrorOf(() => store.setClosed('nope', true)).data.kind).toBe('internal_error');
  });

  it('stores chunks in arrival order with their items, empty payloads included', () => {
    const store = openStore();
    store.createDataset(dataset());
    const bytes = new Uint8Array([9, 8, 7, 6, 5, 4]);
    // A view into a larger buffer: only its own bytes are stored.
    store.chunkAppended(chunk(0, bytes.subarray(1, 4)), [
      { row: 0, id: 1, index: 0, contentHash: 'aa' },
      { row: 1, id: '1', contentHash: 'bb' }
    ]);
    store.chunkAppended(chunk(1, new Uint8Array(0)), []);
    const chunks = store.chunks('ds-1');
    expect(chunks.map(c => ({ ...c, payload: [...c.payload] }))).toEqual([
      { ...chunk(0, bytes), payload: [8, 7, 6] },
      { ...chunk(1, bytes), payload: [] }
    ]);
    expect(chunks[0].payload).toBeInstanceOf(Uint8Array);
    expect(store.chunks('other')).toEqual([]);
    const items = store.connection.prepare('SELECT row, item_id, item_index, content_hash FROM items ORDER BY row');
    expect(items.all()).toEqual([
      { row: 0, item_id: '1', item_index: 0, content_hash: 'aa' },
      { row: 1, item_id: '"1"', item_index: null, content_hash: 'bb' }
    ]);
  });

  it('rolls back a chunk whose items repeat a content hash', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.chunkAppended(chunk(0, new Uint8Array([1])), [{ row: 0, id: 1, contentHash: 'aa' }]);
    expect(() => store.chunkAppended(chunk(1, new Uint8Array([2])), [{ row: 1, id: 2, contentHash: 'aa' }])).toThrow(
      /UNIQUE/
    );
    expect(store.chunks('ds-1').map(c => c.seq)).toEqual([0]);
  });

  it('stores answers in order with their questions; item ids keep their type', () => {
    const store = openStore();
    store.createDataset(dataset());
    const first = answer('a1');
    const second = answer('a2', {
      question: { ...answer('a2').question, queryId: '1', strategy: null, candidateExtras: [null, null, null] },
      relevantIds: [],
      ignored: true,
      origin: 'import'
    });
    store.answerRecorded(second);
    store.answerRecorded(first);
    store.answersRecorded([answer('a3'), answer('a0')]);
    const answers = store.answers('ds-1');
    expect(answers.map(a => a.answerId)).toEqual(['a2', 'a1', 'a3', 'a0']);
    expect(answers[0]).toEqual(second);
    expect(answers[1]).toEqual(first);
    expect(typeof answers[1].question.queryId).toBe('number');
    expect(typeof answers[0].question.queryId).toBe('string');
    expect(answers[1].question.candidateIds).toEqual(['1', 2, 'three']);
    expect(store.hasAnswer('ds-1', 'a3')).toBe(true);
    expect(store.hasAnswer('ds-1', 'zz')).toBe(false);
    expect(store.hasAnswer('ds-2', 'a3')).toBe(false);
    expect(store.answers('ds-2')).toEqual([]);
  });

  it("keeps classification answers' label names and machine labels apart from answers", () => {
    const store = openStore();
    store.createDataset(dataset());
    store.answerRecorded(answer('c1', { labels: ['Sci/Tech', 'World'], acceptedPrediction: false, relevantIds: [] }));
    store.answerRecorded(answer('c2', { labels: [], ignored: true, relevantIds: [] }));
    store.machineLabelsReplaced('ds-1', [
      { row: 4, labels: ['World'], score: 0.95, modelVersion: 2 },
      { row: 1, labels: ['Sports'], score: 0.91, modelVersion: 2 }
    ]);
    expect(store.answers('ds-1').map(a => [a.labels, a.acceptedPrediction, a.ignored])).toEqual([
      [['Sci/Tech', 'World'], false, false],
      [[], undefined, true]
    ]);
    expect(store.machineLabels('ds-1')).toEqual([
      { row: 1, labels: ['Sports'], score: 0.91, modelVersion: 2 },
      { row: 4, labels: ['World'], score: 0.95, modelVersion: 2 }
    ]);
    store.machineLabelsReplaced('ds-1', [{ row: 4, labels: ['World'], score: 0.97, modelVersion: 3 }]);
    expect(store.machineLabels('ds-1')).toEqual([{ row: 4, labels: ['World'], score: 0.97, modelVersion: 3 }]);
    expect(store.answers('ds-1')).toHaveLength(2);
  });

  it('marks answers undone and keeps them', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.answersRecorded([answer('a1'), answer('a2')]);
    store.answerUndone('ds-1', 'a1');
    expect(store.answers('ds-1').map(a => [a.answerId, a.undone])).toEqual([
      ['a1', true],
      ['a2', false]
    ]);
    expect(sidecarErrorOf(() => store.answerUndone('ds-1', 'zz')).data.kind).toBe('internal_error');
  });

  it('rejects a duplicate answer id, rolling back the whole batch', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.answerRecorded(answer('a1'));
    const err = sidecarErrorOf(() => store.answerRecorded(answer('a1')));
    expect(err.data.kind).toBe('duplicate_answer');
    expect(err.code).toBe(ErrorCodes.InvalidRequest);
    expect(sidecarErrorOf(() => store.answersRecorded([answer('a2'), answer('a3'), answer('a2')])).data.kind).toBe(
      'duplicate_answer'
    );
    expect(store.answers('ds-1').map(a => a.answerId)).toEqual(['a1']);
  });

  it('stores a question once; a conflicting one is refused', () => {
    const store = openStore();
    store.createDataset(dataset());
    const shared = answer('a1').question;
    store.answersRecorded([answer('a1'), answer('a2', { question: shared, undone: true })]);
    expect(store.answers('ds-1').map(a => a.question)).toEqual([shared, shared]);
    const other = { ...shared, candidateIds: [5, 6] };
    expect(sidecarErrorOf(() => store.answerRecorded(answer('a3', { question: other }))).data.kind).toBe(
      'question_conflict'
    );
  });

  it('keeps asked questions; the open ones are those without an answer, in the order asked', () => {
    const store = openStore();
    store.createDataset(dataset());
    const [q1, q2, q3] = ['a1', 'a2', 'a3'].map(id => answer(id).question);
    store.questionAsked('ds-1', q2);
    store.questionAsked('ds-1', q1);
    store.questionAsked('ds-1', q3);
    store.questionAsked('ds-1', q2); // asked again: no-op
    store.answerRecorded(answer('a1'));
    store.answerRecorded(answer('a3', { undone: true }));
    expect(store.openQuestions('ds-1')).toEqual([q2]);
    store.close();
    expect(openStore().openQuestions('ds-1')).toEqual([q2]);
  });

  it('refuses answers for an unknown dataset', () => {
    const store = openStore();
    expect(() => store.answerRecorded(answer('a1'))).toThrow(/FOREIGN KEY/);
  });

  it('stores model versions, replaces a re-saved one and prunes paths', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.modelVersionSaved(version(2));
    store.modelVersionSaved(version(0));
    store.modelVersionSaved(version(1));
    store.modelVersionSaved({ ...version(2), loss: 0.1 });
    store.modelVersionPruned('ds-1', 1);
    store.modelVersionPruned('ds-1', 42); // never saved: nothing to do
    expect(store.modelVersions('ds-1')).toEqual([version(0), version(1, null), { ...version(2), loss: 0.1 }]);
    expect(store.modelVersions('other')).toEqual([]);
  });

  it('keeps everything across a reopen', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.chunkAppended(chunk(0, new Uint8Array([1, 2, 3])), [{ row: 0, id: 'x', contentHash: 'aa' }]);
    store.answersRecorded([answer('a1'), answer('a2')]);
    store.answerUndone('ds-1', 'a2');
    store.modelVersionSaved(version(1));
    store.setClosed('ds-1', true);
    const before = {
      datasets: store.listDatasets(),
      chunks: store.chunks('ds-1'),
      answers: store.answers('ds-1'),
      versions: store.modelVersions('ds-1')
    };
    store.close();
    store.close(); // idempotent

    const again = openStore();
    expect({
      datasets: again.listDatasets(),
      chunks: again.chunks('ds-1'),
      answers: again.answers('ds-1'),
      versions: again.modelVersions('ds-1')
    }).toEqual(before);
    expect(again.modelDir).toBe(join(dir, 'models'));
  });

  it('works in memory and takes modelDir from options', () => {
    const memory = SqliteLabelStore.open({ file: ':memory:' });
    open.push(memory);
    expect(memory.modelDir).toBeUndefined();
    memory.createDataset(dataset());
    expect(memory.listDatasets()).toHaveLength(1);
    expect(openStore({ modelDir: '/somewhere' }).modelDir).toBe('/somewhere');
  });

  it('uses WAL, synchronous=FULL and foreign keys', () => {
    const store = openStore();
    expect(store.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.connection.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.connection.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});

describe('SqliteLabelStore migrations', () => {
  it('migrates an empty file to the current schema', () => {
    writeFileSync(file, '');
    openStore().close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['answers', 'chunks', 'datasets', 'items', 'machine_labels', 'model_versions', 'questions']);
    db.close();
  });

  it('brings a version-1 store to classification: its answers stay similarity answers (no labels)', () => {
    const db = new Database(file);
    db.exec(MIGRATIONS[0].sql);
    db.pragma('user_version = 1');
    db.close();
    const store = openStore();
    store.createDataset(dataset());
    store.answerRecorded(answer('old'));
    store.answerRecorded(answer('cls', { labels: ['Sports'], acceptedPrediction: true, relevantIds: [] }));
    const [old, cls] = store.answers('ds-1');
    expect(old).not.toHaveProperty('labels');
    expect(old).not.toHaveProperty('acceptedPrediction');
    expect(cls).toMatchObject({ labels: ['Sports'], acceptedPrediction: true });
  });

  it('refuses a store written by a newer Tunelab', () => {
    openStore().close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = sidecarErrorOf(() => openStore());
    expect(err.code).toBe(ErrorCodes.StoreUnavailable);
    expect(err.data.kind).toBe('store_unavailable');
    expect(err.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(err.message).toMatch(/Upgrade Tunelab/);
  });

  it('applies a failing migration all or nothing', () => {
    const db = new Database(file);
    db.exec('CREATE TABLE items (x)'); // not Tunelab's: step 1 fails half way
    db.close();
    const err = sidecarErrorOf(() => openStore());
    expect(err.data.kind).toBe('store_unavailable');
    expect(err.message).toContain(MIGRATIONS[0].description);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(0);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['items']);
    after.close();
  });
});

describe('SqliteLabelStore failures', () => {
  it('reports a read-only store as store_unavailable and still reads it', () => {
    const writer = openStore();
    writer.createDataset(dataset());
    writer.answerRecorded(answer('a1'));
    writer.close();
    const store = openStore({ readonly: true });
    expect(store.answers('ds-1').map(a => a.answerId)).toEqual(['a1']);
    const err = sidecarErrorOf(() => store.answerRecorded(answer('a2')));
    expect(err.code).toBe(ErrorCodes.StoreUnavailable);
    expect(err.data.kind).toBe('store_unavailable');
    expect(err.message).toContain(`the label store at ${file} is read-only`);
    expect(sidecarErrorOf(() => store.setClosed('ds-1', true)).data.kind).toBe('store_unavailable');
  });

  it('refuses to open a missing file read-only', () => {
    expect(sidecarErrorOf(() => openStore({ readonly: true })).data.kind).toBe('store_unavailable');
    const err = sidecarErrorOf(() => openStore({ readonly: true, file: join(dir, 'nope', 'labels.sqlite3') }));
    expect(err.message).toContain('directory does not exist');
  });

  it('refuses a file that is not a database as store_corrupt', () => {
    writeFileSync(file, Buffer.from('this is not an SQLite database, just some bytes'.repeat(200)));
    const err = sidecarErrorOf(() => openStore());
    expect(err.code).toBe(ErrorCodes.StoreUnavailable);
    expect(err.data.kind).toBe('store_corrupt');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/move .* aside/);
  });

  it('finds damaged pages at open', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.answersRecorded(Array.from({ length: 200 }, (_, i) => answer(`a${i}`)));
    store.close();
    const pageSize = 4096;
    const fd = openSync(file, 'r+');
    // Page 1 holds the header and schema; overwrite the b-tree headers of the pages after it.
    for (let page = 2; page * pageSize < statSync(file).size; page++) {
      writeSync(fd, Buffer.alloc(16, 0xff), 0, 16, (page - 1) * pageSize);
    }
    closeSync(fd);
    const err = sidecarErrorOf(() => openStore());
    expect(err.data.kind).toBe('store_corrupt');
    expect(err.message).toContain('integrity check');
  });

  it('reports a full disk as store_unavailable and writes again once there is room', () => {
    const store = openStore();
    store.createDataset(dataset());
    const pages = Number(store.connection.pragma('page_count', { simple: true }));
    store.connection.pragma(`max_page_count = ${pages}`);
    const batch = Array.from({ length: 300 }, (_, i) => answer(`a${i}`, { annotator: 'x'.repeat(200) }));
    const err = sidecarErrorOf(() => store.answersRecorded(batch));
    expect(err.data.kind).toBe('store_unavailable');
    expect(err.message).toContain(`the disk holding ${file} is full`);
    expect(store.answers('ds-1')).toEqual([]); // nothing of the batch was kept
    expect(store.connection.inTransaction).toBe(false);

    store.connection.pragma('max_page_count = 1073741823');
    store.answersRecorded(batch);
    store.answerRecorded(answer('late'));
    expect(store.answers('ds-1')).toHaveLength(301);
  });

  it('can be read by another process while it is open (WAL, mode=ro)', () => {
    const store = openStore();
    store.createDataset(dataset());
    store.answersRecorded([answer('a1'), answer('a2')]);
    const script = [
      'import sqlite3, sys, json',
      "db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)",
      "rows = db.execute('SELECT answer_id, relevant_ids FROM answers ORDER BY seq').fetchall()",
      'print(json.dumps(rows))'
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      ['a1', '["1"]'],
      ['a2', '["1"]']
    ]);
    // The reader left the writer alone.
    store.answerRecorded(answer('a3'));
    expect(store.answers('ds-1')).toHaveLength(3);
  });
});

describe('data directory', () => {
  it('prefers TUNELAB_DATA_DIR, then the config, then ~/.local/share/jupyter/tunelab', () => {
    expect(resolveDataDir('/from/config', { TUNELAB_DATA_DIR: '/from/env' })).toBe('/from/env');
    expect(resolveDataDir('/from/config', {})).toBe('/from/config');
    expect(resolveDataDir(undefined, { TUNELAB_DATA_DIR: '~/labels' })).toBe(join(homedir(), 'labels'));
    expect(resolveDataDir(undefined, { TUNELAB_DATA_DIR: '' })).toBe(
      join(homedir(), '.local', 'share', 'jupyter', 'tunelab')
    );
  });

  it('creates the directories with mode 0700', () => {
    const target = join(dir, 'data', 'tunelab');
    const paths = prepareStorePaths(undefined, { TUNELAB_DATA_DIR: target });
    expect(paths).toEqual({
      dir: target,
      dbFile: join(target, 'labels.sqlite3'),
      modelDir: join(target, 'models')
    });
    expect(statSync(target).mode & 0o777).toBe(0o700);
    expect(statSync(paths.modelDir).mode & 0o777).toBe(0o700);
    const store = openStore({ file: paths.dbFile });
    expect(store.modelDir).toBe(paths.modelDir);
    expect(readFileSync(paths.dbFile).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('names model version directories safely', () => {
    expect(modelVersionDir('/m', 'ds-1', 3)).toBe('/m/ds-1/v3');
    expect(() => modelVersionDir('/m', '..', 3)).toThrow(SidecarError);
    expect(() => modelVersionDir('/m', 'a/b', 3)).toThrow(SidecarError);
    expect(() => modelVersionDir('/m', 'ds', -1)).toThrow(SidecarError);
  });
});

describe('bundled store', () => {
  it('loads better_sqlite3.node from next to an esbuild bundle, without node_modules', async () => {
    // Built like scripts/build-sidecar.mjs builds sidecar.js, and run from a directory with no node_modules.
    const out = join(dir, 'dist');
    await build({
      stdin: {
        contents: `
          import { SqliteLabelStore } from './sqliteLabelStore';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';
          const store = SqliteLabelStore.open({ file: process.argv[2] });
          store.createDataset({ id: 'b', name: 'b', config: { name: 'b' } as never, createdAt: 'now', closed: false });
          console.log(JSON.stringify(store.listDatasets().map(d => d.id)));
          store.close();`,
        resolveDir: __dirname,
        loader: 'ts'
      },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(out, 'sidecar.js'),
      logLevel: 'silent'
    });
    const addon = join(__dirname, '..', '..', '..', 'node_modules', 'better-sqlite3', 'build', 'Release');
    const run = () => spawnSync(process.execPath, [join(out, 'sidecar.js'), file], { cwd: out, encoding: 'utf8' });

    const missing = run();
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('the SQLite addon better_sqlite3.node did not load');

    copyFileSync(join(addon, 'better_sqlite3.node'), join(out, 'better_sqlite3.node'));
    const ok = run();
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual(['b']);
  }, 30000);
});
