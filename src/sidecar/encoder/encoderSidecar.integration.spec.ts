/**
 * A sentence-encoder session through the built, self-contained bundle (as the wheel ships it): the encoder
 * process bundle (encoder-process.js) runs, and which model directories a browser and a kernel client may name.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCodes } from '../../protocol/errors';
import { itemsChunk } from '../testing/arrowChunks';
import { FrameClient, WireMessage } from '../testing/frameClient';
import { RunningSidecar, buildSidecarBundle, isolatedBundleCopy, startSidecar } from '../testing/sidecarProcess';
import { makeTinyBert } from '../testing/tinyBert';

jest.setTimeout(120_000);

const SECRET = 'cd'.repeat(32);

let tmp: string;
let modelDir: string;
let outsideModel: string;
let bundle: string;
let sidecar: RunningSidecar;
const clients: FrameClient[] = [];

beforeAll(async () => {
  buildSidecarBundle();
  tmp = mkdtempSync(join(tmpdir(), 'tunelab-encoder-sidecar-'));
  const rootDir = join(tmp, 'root');
  mkdirSync(rootDir);
  // The model root stands for the Hugging Face cache; the second copy lies in neither root.
  modelDir = makeTinyBert(join(tmp, 'hf-cache', 'tiny'));
  outsideModel = makeTinyBert(join(tmp, 'elsewhere', 'tiny'));
  bundle = isolatedBundleCopy();
  const socketDir = mkdtempSync(join(tmpdir(), 'tunelab-sock-'));
  sidecar = await startSidecar(
    JSON.stringify({ secret: SECRET, transport: 'unix', socketDir, rootDir, modelRoots: [join(tmp, 'hf-cache')] }),
    bundle
  );
}, 240_000);

afterEach(() => clients.splice(0).forEach(client => client.close()));

afterAll(() => {
  sidecar?.child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
  if (bundle) {
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
});

async function client(clientKind: 'browser' | 'kernel'): Promise<FrameClient> {
  const c = await FrameClient.connect(sidecar.ready.path as string);
  clients.push(c);
  await c.request('tunelab/hello', { secret: SECRET, user: 'alice', clientKind });
  return c;
}

const create = (c: FrameClient, name: string, modelPath: string): Promise<WireMessage> =>
  c.request(
    'session/create',
    { name, task: 'similarity', model: 'sentence-encoder', modelPath, contentType: 'text', topK: 3 },
    undefined,
    60_000
  );

it('a browser may name a model in a model root, not one outside the roots; a kernel may', async () => {
  const browser = await client('browser');
  const refused = await create(browser, 'outside', outsideModel);
  expect(refused.error).toMatchObject({
    code: ErrorCodes.InvalidParams,
    message: expect.stringMatching(/^\/modelPath: path outside the allowed root/),
    data: { path: '/modelPath' }
  });
  expect((await browser.request('tunelab/ping', {})).result).toBeDefined();

  const kernel = await client('kernel');
  expect((await create(kernel, 'kernel-outside', outsideModel)).result).toMatchObject({ model: 'sentence-encoder' });
});

it('embeds the pool in the bundled encoder processes and serves questions from it', async () => {
  const browser = await client('browser');
  const created = await create(browser, 'in-root', modelDir);
  const session = created.result as { id: string };
  expect(session.id).toBeDefined();
  const texts = Array.from({ length: 40 }, (_, i) => `my card payment ${i} was declined`);
  const appended = await browser.request(
    'session/appendItems',
    { sessionId: session.id, chunkIndex: 0, totalItems: texts.length, isLast: true },
    itemsChunk(texts),
    60_000
  );
  expect(appended.error).toBeUndefined();
  let question: unknown = null;
  for (let tries = 0; question === null && tries < 200; tries++) {
    const next = await browser.request('question/next', { sessionId: session.id });
    question = (next.result as { question: unknown }).question;
    if (question === null) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }
  expect(question).toMatchObject({ candidates: expect.any(Array) });
  expect(sidecar.stderr()).not.toMatch(/embedding a chunk failed/);
});
