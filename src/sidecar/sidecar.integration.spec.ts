/**
 * Runs the built bundle (tunelab/sidecar_dist/sidecar.js) as the supervisor
 * would, and speaks the framed protocol to it over its unix socket.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCodes } from '../protocol/errors';
import { LIMITS } from '../protocol/limits';
import { PROTOCOL_VERSION } from '../protocol/version';
import { resolveNative } from './engine/backend/nativeBinding';
import { itemsChunk, vectorsChunk } from './testing/arrowChunks';
import { FrameClient, WireMessage } from './testing/frameClient';
import {
  RunningSidecar,
  SIDECAR_BUNDLE,
  buildSidecarBundle,
  isolatedBundleCopy,
  startSidecar
} from './testing/sidecarProcess';

jest.setTimeout(30_000);

const SECRET = 'ab'.repeat(32);

function privateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-sidecar-'));
  // mkdtemp creates 0700 already; the sidecar refuses anything looser.
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  return dir;
}

let socketDir: string;
let sidecar: RunningSidecar;
let socketPath: string;
let bundleCopy: string;
const clients: FrameClient[] = [];

async function connect(): Promise<FrameClient> {
  const client = await FrameClient.connect(socketPath);
  clients.push(client);
  return client;
}

async function authenticated(clientKind = 'test'): Promise<FrameClient> {
  const client = await connect();
  const hello = await client.request('tunelab/hello', { secret: SECRET, user: 'alice', clientKind });
  expect(hello.result).toEqual({ sidecarVersion: expect.any(String), pid: sidecar.child.pid });
  return client;
}

/** Inodes of the process's sockets that are TCP listeners (state 0A in /proc/net/tcp{,6}). */
function listeningTcpSocketsOf(pid: number): string[] {
  const fdDir = `/proc/${pid}/fd`;
  const socketInodes = new Set<string>();
  for (const fd of readdirSync(fdDir)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(fdDir, fd)))?.[1];
      if (inode !== undefined) {
        socketInodes.add(inode);
      }
    } catch {
      // The fd closed while we looked.
    }
  }
  expect(socketInodes.size).toBeGreaterThan(0);
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap(file =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map(line => line.trim().split(/\s+/))
      .filter(fields => fields[3] === '0A' && socketInodes.has(fields[9]))
      .map(fields => fields[9])
  );
}

function errorOf(response: WireMessage): { code: number; message: string; data?: Record<string, unknown> } {
  expect(response.error).toBeDefined();
  return response.error as { code: number; message: string; data?: Record<string, unknown> };
}

beforeAll(async () => {
  buildSidecarBundle();
  socketDir = privateDir();
  bundleCopy = isolatedBundleCopy();
  sidecar = await startSidecar(JSON.stringify({ secret: SECRET, transport: 'unix', socketDir }), bundleCopy);
  socketPath = sidecar.ready.path as string;
});

afterEach(() => {
  clients.splice(0).forEach(client => client.close());
});

afterAll(() => {
  sidecar?.child.kill('SIGKILL');
  rmSync(socketDir, { recursive: true, force: true });
  rmSync(dirname(bundleCopy), { recursive: true, force: true });
});

describe('sidecar process', () => {
  it('prints one ready line with a 0600 socket in the socket dir', () => {
    expect(sidecar.ready).toEqual({
      event: 'ready',
      transport: 'unix',
      path: join(socketDir, 'sidecar.sock'),
      pid: sidecar.child.pid
    });
    const stats = statSync(socketPath);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  it('opens no TCP listening socket in unix mode', () => {
    expect(listeningTcpSocketsOf(sidecar.child.pid as number)).toEqual([]);
  });

  it('never writes the secret to stderr', () => {
    expect(sidecar.stderr()).not.toContain(SECRET);
  });
});

describe('handshake', () => {
  it('refuses a wrong secret with NotAuthenticated and closes the connection', async () => {
    const client = await connect();
    const response = await client.request('tunelab/hello', {
      secret: 'cd'.repeat(32),
      user: 'mallory',
      clientKind: 'test'
    });
    expect(errorOf(response)).toMatchObject({ code: ErrorCodes.NotAuthenticated, data: { kind: 'not_authenticated' } });
    await client.waitClosed();
  });

  it('refuses any message before hello with NotAuthenticated and closes the connection', async () => {
    const client = await connect();
    const response = await client.request('tunelab/ping', {});
    expect(errorOf(response).code).toBe(ErrorCodes.NotAuthenticated);
    await client.waitClosed();
  });

  it('refuses a notification before hello too', async () => {
    const client = await connect();
    client.send({ jsonrpc: '2.0', method: 'tunelab/hello', params: { secret: SECRET, user: 'a', clientKind: 'test' } });
    const response = await client.waitFor(message => message.error !== undefined, 'error');
    expect(response.id).toBeNull();
    expect(errorOf(response).code).toBe(ErrorCodes.NotAuthenticated);
    await client.waitClosed();
  });

  it('initializes with the user from hello and the limits; refuses another major version', async () => {
    const client = await authenticated();
    const init = await client.request('tunelab/initialize', { protocolVersion: PROTOCOL_VERSION, clientName: 'jest' });
    expect(init.result).toEqual({
      protocolVersion: PROTOCOL_VERSION,
      sidecarVersion: JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version,
      user: 'alice',
      limits: LIMITS
    });
    const mismatch = await client.request('tunelab/initialize', {
      protocolVersion: { major: PROTOCOL_VERSION.major + 1, minor: 0 },
      clientName: 'future'
    });
    expect(errorOf(mismatch)).toMatchObject({
      code: ErrorCodes.ProtocolVersionMismatch,
      data: { kind: 'protocol_version_mismatch' }
    });
    expect((await client.request('tunelab/ping', {})).result).toEqual({ time: expect.any(Number) });
  });

  it('refuses a second hello without closing', async () => {
    const client = await authenticated();
    const again = await client.request('tunelab/hello', { secret: SECRET, user: 'bob', clientKind: 'test' });
    expect(errorOf(again).code).toBe(ErrorCodes.InvalidRequest);
    expect((await client.request('tunelab/ping')).result).toEqual({ time: expect.any(Number) });
  });
});

describe('bad input keeps the connection up', () => {
  it('answers malformed JSON with ParseError, then still answers ping', async () => {
    const client = await authenticated();
    client.sendText('{"jsonrpc": "2.0", "id": 5, "method": ');
    const response = await client.waitFor(message => message.error !== undefined, 'parse error');
    expect(response.id).toBeNull();
    expect(errorOf(response)).toMatchObject({ code: ErrorCodes.ParseError, data: { kind: 'parse_error' } });
    expect((await client.request('tunelab/ping', {})).result).toEqual({ time: expect.any(Number) });
  });

  it('answers a 2 MiB text message with MessageTooLarge for its id, then still answers ping', async () => {
    const client = await authenticated();
    const size = 2 * 1024 * 1024;
    const head = '{"jsonrpc":"2.0","id":"big-1","method":"tunelab/ping","params":{"pad":"';
    client.sendText(head + 'x'.repeat(size - head.length - 3) + '"}}');
    const response = await client.waitFor(message => message.id === 'big-1', 'too large error');
    expect(errorOf(response)).toMatchObject({
      code: ErrorCodes.MessageTooLarge,
      data: { kind: 'message_too_large', limit: LIMITS.maxTextMessageBytes, size }
    });
    expect((await client.request('tunelab/ping', {})).result).toEqual({ time: expect.any(Number) });
  });

  it('answers invalid params with InvalidParams naming the field', async () => {
    const client = await authenticated();
    const response = await client.request('session/create', {
      name: 'x',
      task: 'similarity',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 'ten'
    });
    expect(errorOf(response)).toMatchObject({
      code: ErrorCodes.InvalidParams,
      message: expect.stringMatching(/^\/topK: /),
      data: { kind: 'invalid_params', path: '/topK' }
    });
  });

  it('answers an unknown method with MethodNotFound and a non-JSON-RPC message with InvalidRequest', async () => {
    const client = await authenticated();
    const unknown = await client.request('tunelab/nope', {});
    expect(errorOf(unknown)).toMatchObject({ code: ErrorCodes.MethodNotFound, data: { kind: 'method_not_found' } });
    client.send({ id: 77, method: 'tunelab/ping' });
    const invalid = await client.waitFor(message => message.id === 77, 'invalid request');
    expect(errorOf(invalid)).toMatchObject({ code: ErrorCodes.InvalidRequest, data: { kind: 'invalid_request' } });
    expect((await client.request('tunelab/ping')).result).toEqual({ time: expect.any(Number) });
  });

  it('answers an unknown frame kind with an error and closes that connection only', async () => {
    const client = await authenticated();
    client.sendRaw(Buffer.from([7, 0, 0, 0, 2, 1, 2]));
    const response = await client.waitFor(message => message.error !== undefined, 'frame error');
    expect(errorOf(response).data).toEqual({ kind: 'unknown_frame_kind' });
    await client.waitClosed();
    const other = await authenticated();
    expect((await other.request('tunelab/ping')).result).toEqual({ time: expect.any(Number) });
  });

  it('survives a client that vanishes mid-frame', async () => {
    const client = await authenticated();
    client.sendRaw(Buffer.from([1, 0, 0, 1, 0, 123]));
    client.close();
    const other = await authenticated();
    expect((await other.request('tunelab/ping')).result).toEqual({ time: expect.any(Number) });
  });
});

describe('labeling flow', () => {
  it('creates, loads, asks, answers with a progress notification, and undoes', async () => {
    const client = await authenticated();
    const watcher = await authenticated();

    const created = await client.request('session/create', {
      name: 'flow',
      task: 'similarity',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 2,
      queryOrder: 'sequential'
    });
    const session = created.result as { id: string; loading: boolean; name: string };
    expect(session).toMatchObject({ name: 'flow', loading: true });
    const changed = await watcher.notification('sessions/changed');
    expect(changed.params?.sessions).toEqual([expect.objectContaining({ id: session.id })]);

    const again = await client.request('session/create', {
      name: 'flow',
      task: 'similarity',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 5
    });
    expect((again.result as { id: string }).id).toBe(session.id);

    const subscribed = await watcher.request('session/subscribe', { sessionId: session.id });
    expect(subscribed.result).toMatchObject({ id: session.id });

    expect((await client.request('question/next', { sessionId: session.id })).result).toEqual({ question: null });

    const texts = ['reset my card pin', 'exchange rate for euros', 'how do i reset my card pin', 'euro exchange rates'];
    const append = await client.request(
      'session/appendItems',
      { sessionId: session.id, chunkIndex: 0, totalItems: texts.length, isLast: true },
      itemsChunk(texts)
    );
    expect(append.result).toEqual({ loadedItems: 4, loading: false });
    expect((await watcher.notification('session/progress')).params).toMatchObject({
      sessionId: session.id,
      progress: { loadedItems: 4, itemCount: 4, done: 0 }
    });

    const next = await client.request('question/next', { sessionId: session.id });
    const question = (
      next.result as { question: { id: string; query: { id: number }; candidates: { id: number; score: number }[] } }
    ).question;
    expect(question.query).toEqual({ id: 0, index: 0, text: texts[0] });
    expect(question.candidates.map(c => c.id)[0]).toBe(2);
    expect(question.candidates).toHaveLength(2);
    const reload = await client.request('question/next', { sessionId: session.id });
    expect((reload.result as { question: { id: string } }).question.id).toBe(question.id);

    const answerParams = {
      sessionId: session.id,
      questionId: question.id,
      answerId: 'ans-1',
      relevant: [2],
      ignore: false
    };
    const answered = await client.request('question/answer', answerParams);
    expect(answered.result).toEqual({
      duplicate: false,
      progress: expect.objectContaining({
        done: 1,
        positive: 1,
        negative: 1,
        ignored: 0,
        modelVersion: 0,
        itemCount: 4,
        loadedItems: 4
      })
    });
    expect((await watcher.notification('session/progress')).params).toMatchObject({
      progress: { done: 1, positive: 1 }
    });
    expect((await client.request('question/answer', answerParams)).result).toMatchObject({ duplicate: true });

    const secondAnswer = await client.request('question/answer', { ...answerParams, answerId: 'ans-2' });
    expect(errorOf(secondAnswer).code).toBe(ErrorCodes.QuestionNotFound);

    const undone = await client.request('session/undo', { sessionId: session.id });
    expect(undone.result).toEqual({
      undoneQuestionId: question.id,
      progress: expect.objectContaining({ done: 0, positive: 0, negative: 0 })
    });
    expect((await watcher.notification('session/progress')).params).toMatchObject({ progress: { done: 0 } });
    const redo = await client.request('question/next', { sessionId: session.id });
    expect((redo.result as { question: { query: { id: number } } }).question.query.id).toBe(0);

    const listed = await client.request('session/list', {});
    expect((listed.result as { sessions: unknown[] }).sessions).toHaveLength(1);
    expect((await client.request('session/close', { sessionId: session.id })).result).toEqual({});
    expect(((await client.request('session/list', {})).result as { sessions: unknown[] }).sessions).toHaveLength(0);
    // Closed is not deleted: the stored dataset comes back with its answers (none left after the undo).
    const back = await client.request('session/get', { sessionId: session.id });
    expect(back.result).toMatchObject({ id: session.id, resumed: true, progress: { done: 0, itemCount: 4 } });
    const gone = await client.request('session/get', { sessionId: 'never-created' });
    expect(errorOf(gone)).toMatchObject({ code: ErrorCodes.SessionNotFound, data: { kind: 'session_not_found' } });
  });

  it('exports labels as a file and imports them into another dataset; two clients get different questions', async () => {
    const [alice, bob] = [await authenticated(), await authenticated()];
    const texts = ['reset my card pin', 'exchange rate for euros', 'how do i reset my card pin', 'euro exchange rates'];
    const create = async (name: string) => {
      const created = await alice.request('session/create', {
        name,
        task: 'similarity',
        model: 'hashed-ngram',
        contentType: 'text',
        topK: 2
      });
      const id = (created.result as { id: string }).id;
      await alice.request(
        'session/appendItems',
        { sessionId: id, chunkIndex: 0, totalItems: 4, isLast: true },
        itemsChunk(texts)
      );
      return id;
    };
    const source = await create('export-source');
    const first = (await alice.request('question/next', { sessionId: source })).result as {
      question: { id: string; query: { id: number }; candidates: { id: number }[] };
    };
    const second = (await bob.request('question/next', { sessionId: source })).result as typeof first;
    expect(second.question.query.id).not.toBe(first.question.query.id);
    for (const [client, { question }] of [
      [alice, first],
      [bob, second]
    ] as const) {
      const answered = await client.request('question/answer', {
        sessionId: source,
        questionId: question.id,
        answerId: `ans-${question.id}`,
        relevant: [question.candidates[0].id],
        ignore: false
      });
      expect(answered.error).toBeUndefined();
    }
    const exported = await alice.request('labels/export', { sessionId: source, format: 'label-studio' });
    const file = exported.result as { fileName: string; count: number; payload: Uint8Array };
    expect(file).toMatchObject({ format: 'label-studio', count: 2, mediaType: 'application/json' });
    expect(JSON.parse(new TextDecoder().decode(file.payload))).toHaveLength(2);

    const target = await create('import-target');
    const imported = await alice.request('labels/import', { sessionId: target, format: 'label-studio' }, file.payload);
    expect(imported.result).toMatchObject({ imported: 2, duplicates: 0, progress: { done: 2, positive: 2 } });
    const again = await alice.request('labels/import', { sessionId: target, format: 'label-studio' }, file.payload);
    expect(again.result).toMatchObject({ imported: 0, duplicates: 2 });
    const labels = (await alice.request('session/labels', { sessionId: target })).result as {
      answers: { annotator: string }[];
    };
    expect(labels.answers.map(a => a.annotator)).toEqual(['alice', 'alice']);

    const broken = await alice.request(
      'labels/import',
      { sessionId: target, format: 'jsonl' },
      new TextEncoder().encode('{"answerId": 3}\n')
    );
    expect(errorOf(broken)).toMatchObject({ code: ErrorCodes.BadData });
    expect(errorOf(broken).message).toMatch(/line 1/);
    expect((await alice.request('tunelab/ping', {})).result).toBeDefined();
  });

  it('reports a missing text as BadData with the row', async () => {
    const client = await authenticated();
    const created = await client.request('session/create', {
      name: 'bad-rows',
      task: 'similarity',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 2
    });
    const sessionId = (created.result as { id: string }).id;
    const response = await client.request(
      'session/appendItems',
      { sessionId, chunkIndex: 0, totalItems: 3, isLast: true },
      itemsChunk(['a', null, 'c'], 100)
    );
    expect(errorOf(response)).toMatchObject({ code: ErrorCodes.BadData, data: { kind: 'bad_data', row: 101 } });
  });
});

/**
 * What `auto` picks in the bundle. The bundle runs from a temporary copy, where walking up finds no native/
 * directory (as for an installed wheel), so a `make native` build of this checkout is named through
 * TUNELAB_NATIVE_DIR, which the sidecar inherits: native tensorflow then, else wasm.
 */
const AUTO_BACKEND = ((): string => {
  try {
    const entry = resolveNative('@tensorflow/tfjs-node');
    process.env.TUNELAB_NATIVE_DIR = entry.slice(0, entry.lastIndexOf('/node_modules/'));
    return 'tensorflow';
  } catch {
    return 'wasm';
  }
})();

describe('backend choice through the bundle', () => {
  it('the JupyterLab setting sent with tunelab/preferences applies to new sessions naming no backend', async () => {
    const client = await authenticated();
    const config = { task: 'similarity', model: 'mlp', contentType: 'vector', inputShape: [4], topK: 2 };
    const set = await client.request('tunelab/preferences', { backend: 'cpu' });
    expect(set.result).toEqual({ backend: 'cpu' });
    const fromSetting = await client.request('session/create', { ...config, name: 'setting-cpu' });
    expect(fromSetting.result).toMatchObject({ progress: { backend: 'cpu' } });
    const own = await client.request('session/create', { ...config, name: 'own-wasm', backend: 'wasm' });
    expect(own.result).toMatchObject({ backend: 'wasm', progress: { backend: 'wasm' } });
    await client.request('tunelab/preferences', { backend: 'auto' });
    const auto = await client.request('session/create', { ...config, name: 'auto' });
    expect(auto.result).toMatchObject({ progress: { backend: AUTO_BACKEND } });
    const missing = await client.request('session/create', { ...config, name: 'gpu', backend: 'tensorflow-gpu' });
    expect(errorOf(missing)).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/backend' } });
    expect(errorOf(missing).message).toContain("backend 'tensorflow-gpu' is unavailable");
  });
});

describe('training a vector model through the bundle', () => {
  it('creates, appends, asks, answers, reaches v1, exports weights and embeds as binary messages', async () => {
    const client = await authenticated();
    const dim = 8;
    const rows = Float32Array.from({ length: 40 * dim }, (_, i) => Math.sin(i * 0.37) + (i % dim === 0 ? 2 : 0));
    const created = await client.request('session/create', {
      name: 'vectors',
      task: 'similarity',
      model: 'mlp',
      contentType: 'vector',
      inputShape: [dim],
      topK: 4
    });
    const session = created.result as { id: string; progress: { backend: string } };
    expect(session.progress.backend).toBe(AUTO_BACKEND);
    await client.request('session/subscribe', { sessionId: session.id });
    const append = await client.request(
      'session/appendItems',
      { sessionId: session.id, chunkIndex: 0, totalItems: 40, isLast: true },
      vectorsChunk(rows, dim)
    );
    expect(append.result).toEqual({ loadedItems: 40, loading: false });

    const next = await client.request('question/next', { sessionId: session.id });
    const question = (next.result as { question: { id: string; strategy: string; candidates: { id: number }[] } })
      .question;
    expect(question.candidates).toHaveLength(4);
    expect(['diverse', 'random']).toContain(question.strategy);
    await client.request('question/answer', {
      sessionId: session.id,
      questionId: question.id,
      answerId: 'v-1',
      relevant: [question.candidates[0].id],
      ignore: false
    });
    const waited = await client.request('model/wait', { sessionId: session.id, version: 1, timeoutMs: 20_000 });
    expect(waited.result).toMatchObject({ reached: true, progress: { modelVersion: 1, backend: AUTO_BACKEND } });
    const updated = await client.notification('session/modelUpdated');
    expect(updated.params).toMatchObject({ sessionId: session.id, record: { version: 1, answers: 1 } });

    const exported = await client.request('model/export', { sessionId: session.id });
    const result = exported.result as { modelVersion: number; modelJson: string; payload: Uint8Array };
    expect(result.modelVersion).toBe(1);
    const modelJson = JSON.parse(result.modelJson);
    const specs = modelJson.weightsManifest[0].weights as { shape: number[]; dtype: string }[];
    const bytes = specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((p, d) => p * d, 1), 0);
    expect(result.payload.byteLength).toBe(bytes);
    expect(modelJson.userDefinedMetadata.tunelab).toMatchObject({
      formatVersion: 1,
      contentType: 'vector',
      inputShape: [dim],
      input: { type: 'vector' },
      modelVersion: 1
    });

    const embedded = await client.request(
      'model/embed',
      { sessionId: session.id },
      vectorsChunk(rows.slice(0, 3 * dim), dim)
    );
    const embedResult = embedded.result as { rows: number; dim: number; modelVersion: number; payload: Uint8Array };
    expect(embedResult).toMatchObject({ rows: 3, modelVersion: 1 });
    expect(embedResult.payload.byteLength).toBe(3 * embedResult.dim * 4);

    const labels = await client.request('session/labels', { sessionId: session.id });
    expect((labels.result as { answers: unknown[] }).answers).toEqual([
      expect.objectContaining({ answerId: 'v-1', undone: false, modelVersion: 0 })
    ]);
    const history = await client.request('model/history', { sessionId: session.id });
    expect((history.result as { versions: { version: number }[] }).versions.map(v => v.version)).toEqual([0, 1]);
    const finished = await client.request('session/finish', { sessionId: session.id });
    expect(finished.result).toMatchObject({ progress: { finished: true } });
    await client.request('session/close', { sessionId: session.id });
  });
});

describe('process lifetime', () => {
  it('refuses to start with exit code 2 on a bad config', () => {
    const run = spawnSync(process.execPath, [SIDECAR_BUNDLE], {
      input: JSON.stringify({ secret: SECRET, transport: 'unix', socketDir: 'relative/dir' }) + '\n',
      encoding: 'utf8',
      timeout: 10_000
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/refusing to start: socketDir must be an absolute path/);
    expect(run.stderr).not.toContain(SECRET);
  });

  it('exits cleanly on SIGTERM and removes its socket', async () => {
    const dir = privateDir();
    try {
      const other = await startSidecar(JSON.stringify({ secret: SECRET, transport: 'unix', socketDir: dir }));
      const client = await FrameClient.connect(other.ready.path as string);
      other.child.kill('SIGTERM');
      expect(await other.exited).toBe(0);
      await client.waitClosed();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on 127.0.0.1 only with transport tcp', async () => {
    const other = await startSidecar(JSON.stringify({ secret: SECRET, transport: 'tcp' }));
    try {
      expect(other.ready).toEqual({
        event: 'ready',
        transport: 'tcp',
        host: '127.0.0.1',
        port: expect.any(Number),
        pid: other.child.pid
      });
      // Also shows the unix-mode check above can see a TCP listener when there is one.
      expect(listeningTcpSocketsOf(other.child.pid as number)).toHaveLength(1);
      const local = readFileSync('/proc/net/tcp', 'utf8');
      const portHex = (other.ready.port as number).toString(16).toUpperCase().padStart(4, '0');
      // 0100007F = 127.0.0.1 in /proc/net/tcp's little-endian hex.
      expect(local).toMatch(new RegExp(`0100007F:${portHex} 00000000:0000 0A`));
    } finally {
      other.child.stdin.end();
      expect(await other.exited).toBe(0);
    }
  });

  it('exits when stdin closes (its supervisor died) and removes its socket', async () => {
    sidecar.child.stdin.end();
    expect(await sidecar.exited).toBe(0);
    expect(readdirSync(socketDir)).toEqual([]);
  });
});
