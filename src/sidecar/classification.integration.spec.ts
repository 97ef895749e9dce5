/**
 * A classification session (protocol 1.4) end to end over the real sidecar process: the built bundle, its
 * unix socket and the framed JSON-RPC protocol, as the kernel and the browser use it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCodes } from '../protocol/errors';
import { itemsChunk } from './testing/arrowChunks';
import { FrameClient } from './testing/frameClient';
import { RunningSidecar, buildSidecarBundle, isolatedBundleCopy, startSidecar } from './testing/sidecarProcess';

jest.setTimeout(60_000);

const SECRET = 'cd'.repeat(32);
const LABELS = ['Sports', 'Tech'];
const TEXTS = [
  'goal match league coach',
  'software chip laptop startup',
  'striker referee season stadium',
  'cloud server code robot',
  'tennis cup match goal',
  'browser gadget chip code',
  'coach season league cup',
  'laptop startup cloud server'
];
const truth = (text: string): string => (/goal|striker|tennis|coach/.test(text) ? 'Sports' : 'Tech');

let socketDir: string;
let bundleCopy: string;
let sidecar: RunningSidecar;
let client: FrameClient;

beforeAll(async () => {
  buildSidecarBundle();
  socketDir = mkdtempSync(join(tmpdir(), 'tunelab-sidecar-'));
  bundleCopy = isolatedBundleCopy();
  sidecar = await startSidecar(JSON.stringify({ secret: SECRET, transport: 'unix', socketDir }), bundleCopy);
  client = await FrameClient.connect(sidecar.ready.path as string);
  await client.request('tunelab/hello', { secret: SECRET, user: 'alice', clientKind: 'test' });
});

afterAll(() => {
  client?.close();
  sidecar?.child.kill('SIGKILL');
  rmSync(socketDir, { recursive: true, force: true });
  rmSync(dirname(bundleCopy), { recursive: true, force: true });
});

interface WireQuestion {
  id: string;
  query: { index: number; text: string };
  candidates: unknown[];
  choices: string[];
  prediction: { labels: string[]; scores: number[]; certainty: number; modelVersion: number } | null;
}

async function nextQuestion(sessionId: string): Promise<WireQuestion> {
  const next = await client.request('question/next', { sessionId });
  return (next.result as { question: WireQuestion }).question;
}

describe('a classification session over JSON-RPC', () => {
  it('creates, asks with choices, trains every updateEvery answers, exports the head and predicts', async () => {
    const bad = await client.request('session/create', {
      name: 'dup',
      task: 'classification',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 5,
      labels: ['Sports', 'sports']
    });
    expect(bad.error).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/labels' } });
    expect(bad.error?.message).toMatch(/'Sports' and 'sports' are the same label/);

    const created = await client.request('session/create', {
      name: 'topics',
      task: 'classification',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 5,
      labels: LABELS,
      updateEvery: 3
    });
    const info = created.result as { id: string; updateEvery: number; certaintyThreshold: number; uncertainty: string };
    expect(info).toMatchObject({ updateEvery: 3, certaintyThreshold: 0.9, uncertainty: 'margin' });
    const sessionId = info.id;
    await client.request('session/subscribe', { sessionId });
    await client.request(
      'session/appendItems',
      { sessionId, chunkIndex: 0, totalItems: TEXTS.length, isLast: true },
      itemsChunk(TEXTS)
    );

    const first = await nextQuestion(sessionId);
    expect(first).toMatchObject({ candidates: [], choices: LABELS, prediction: null });
    const unknown = await client.request('question/answer', {
      sessionId,
      questionId: first.id,
      answerId: 'x',
      relevant: [],
      ignore: false,
      labels: ['Politics']
    });
    expect(unknown.error).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/labels' } });
    expect(unknown.error?.message).toMatch(/unknown label 'Politics': the labels are 'Sports', 'Tech'/);

    for (let i = 0; i < 3; i++) {
      const q = i === 0 ? first : await nextQuestion(sessionId);
      const answered = await client.request('question/answer', {
        sessionId,
        questionId: q.id,
        answerId: `a${i}`,
        relevant: [],
        ignore: false,
        labels: [truth(q.query.text)]
      });
      expect(answered.result).toMatchObject({ duplicate: false });
    }
    const waited = await client.request('model/wait', { sessionId, version: 1, timeoutMs: 20_000 });
    expect(waited.result).toMatchObject({ reached: true, progress: { modelVersion: 1, sinceUpdate: 0 } });
    const updated = await client.notification('session/modelUpdated');
    expect(updated.params).toMatchObject({ sessionId, record: { version: 1, answers: 3 } });

    const labels = await client.request('session/labels', { sessionId });
    const answers = (labels.result as { answers: { labels: string[]; acceptedPrediction: boolean }[] }).answers;
    expect(answers).toHaveLength(3);
    expect(answers[0]).toMatchObject({ acceptedPrediction: false, labels: [expect.stringMatching(/Sports|Tech/)] });

    const q = await nextQuestion(sessionId);
    if (answers.map(a => a.labels[0]).every(l => l === answers[0].labels[0])) {
      expect(q.prediction).toBeNull(); // one class labelled: no prediction yet
    } else {
      expect(q.prediction).toMatchObject({ modelVersion: 1, scores: [expect.any(Number), expect.any(Number)] });
    }

    const trained = await client.request('session/train', { sessionId });
    expect(trained.result).toMatchObject({ progress: { modelVersion: 2 } });

    const exported = await client.request('model/export', { sessionId });
    expect(exported.result).toMatchObject({
      modelVersion: 2,
      modelJson: '',
      classifierHead: { format: 'tunelab-classifier-head/1', labels: LABELS, numClasses: 2, modelVersion: 2 }
    });

    const predicted = await client.request('model/predict', { sessionId }, itemsChunk(['chip code cloud', 'goal cup']));
    const result = predicted.result as { rows: number; labels: string[]; modelVersion: number; payload: Uint8Array };
    expect(result).toMatchObject({ rows: 2, labels: LABELS, modelVersion: 2, multiLabel: false });
    const probs = new Float32Array(Uint8Array.from(result.payload).buffer);
    expect(probs).toHaveLength(4);
    expect(probs[0] + probs[1]).toBeCloseTo(1, 5);

    const machine = await client.request('session/machineLabels', { sessionId });
    expect(machine.result).toEqual({ machineLabels: [] });

    const changed = await client.request('session/setLabels', { sessionId, labels: ['Sports', 'Tech', 'Food'] });
    expect(changed.result).toMatchObject({
      removed: [],
      added: ['Food'],
      messages: [],
      info: { labels: ['Sports', 'Tech', 'Food'] }
    });

    const similarity = await client.request('session/create', {
      name: 'sim',
      task: 'similarity',
      model: 'hashed-ngram',
      contentType: 'text',
      topK: 5
    });
    const simId = (similarity.result as { id: string }).id;
    const notClassification = await client.request('session/train', { sessionId: simId });
    expect(notClassification.error).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/sessionId' } });
  });
});
