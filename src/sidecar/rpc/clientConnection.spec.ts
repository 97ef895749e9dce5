import { mkdtempSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '../../protocol/errors';
import { FrameClient } from '../testing/frameClient';
import { setLogLevel } from '../log';
import { ClientConnection } from './clientConnection';
import { Handshake } from './handshake';

const SECRET = 'secret-'.repeat(6);

/** One in-process ClientConnection per accepted socket, with handlers chosen by the test. */
async function serve(
  register: (client: ClientConnection) => void
): Promise<{ path: string; server: Server; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-rpc-'));
  const path = join(dir, 's.sock');
  const server = createServer(socket => {
    const client = new ClientConnection(socket, {
      secretDigest: Handshake.digest(SECRET),
      limits: { maxTextBytes: 1024, maxBinaryBytes: 4096 },
      helloTimeoutMs: 200
    });
    register(client);
    client.start();
  });
  await new Promise<void>(resolve => server.listen(path, resolve));
  return { path, server, dir };
}

describe('ClientConnection', () => {
  let context: { path: string; server: Server; dir: string };
  const clients: FrameClient[] = [];

  beforeAll(async () => {
    setLogLevel('error');
    context = await serve(client => {
      client.handle('hello', () => ({ sidecarVersion: 'test', pid: 1 }));
      client.handle('ping', () => {
        throw new TypeError('boom');
      });
      client.handle('getSession', async ({ sessionId }) => {
        if (sessionId === 'reject') {
          throw 'not an Error';
        }
        return Promise.reject(new RangeError('async boom'));
      });
    });
  });

  afterEach(() => clients.splice(0).forEach(client => client.close()));

  afterAll(async () => {
    await new Promise(resolve => context.server.close(resolve));
    rmSync(context.dir, { recursive: true, force: true });
  });

  async function helloed(): Promise<FrameClient> {
    const client = await FrameClient.connect(context.path);
    clients.push(client);
    expect((await client.request('tunelab/hello', { secret: SECRET, user: 'u', clientKind: 'test' })).result).toEqual({
      sidecarVersion: 'test',
      pid: 1
    });
    return client;
  }

  it('turns exceptions thrown by handlers into InternalError and keeps serving', async () => {
    const client = await helloed();
    const thrown = await client.request('tunelab/ping', {});
    expect(thrown.error).toEqual({
      code: ErrorCodes.InternalError,
      message: 'tunelab/ping failed: boom',
      data: { kind: 'internal_error' }
    });
    const rejected = await client.request('session/get', { sessionId: 'x' });
    expect(rejected.error).toMatchObject({
      code: ErrorCodes.InternalError,
      message: expect.stringContaining('async boom')
    });
    const odd = await client.request('session/get', { sessionId: 'reject' });
    expect(odd.error).toMatchObject({ code: ErrorCodes.InternalError, data: { kind: 'internal_error' } });
  });

  it('validates params before the handler runs, with omitted params read as {}', async () => {
    const client = await helloed();
    const missing = await client.request('session/get');
    expect(missing.error).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/sessionId' } });
    const positional = await client.request('session/get', ['x']);
    expect(positional.error).toMatchObject({ code: ErrorCodes.InvalidParams });
  });

  it('answers the oversized-text error with the request id and keeps the connection', async () => {
    const client = await helloed();
    client.send({ jsonrpc: '2.0', id: 'huge', method: 'session/get', params: { sessionId: 'x'.repeat(2000) } });
    const response = await client.waitFor(message => message.id === 'huge', 'too large');
    expect(response.error).toMatchObject({
      code: ErrorCodes.MessageTooLarge,
      data: { kind: 'message_too_large', limit: 1024 }
    });
    expect(client.isClosed).toBe(false);
  });

  it('closes a connection that says nothing within the hello timeout', async () => {
    const client = await FrameClient.connect(context.path);
    clients.push(client);
    const response = await client.waitFor(message => message.error !== undefined, 'timeout error');
    expect(response.error).toMatchObject({ code: ErrorCodes.NotAuthenticated });
    await client.waitClosed();
  });

  it('closes an unauthenticated connection on its first malformed message', async () => {
    const client = await FrameClient.connect(context.path);
    clients.push(client);
    client.sendText('{');
    const response = await client.waitFor(message => message.error !== undefined, 'parse error');
    expect(response.error).toMatchObject({ code: ErrorCodes.ParseError });
    await client.waitClosed();
  });

  it('refuses an invalid hello, naming the field, and closes', async () => {
    const client = await FrameClient.connect(context.path);
    clients.push(client);
    const response = await client.request('tunelab/hello', { secret: SECRET, user: 'u', clientKind: 'robot' });
    expect(response.error).toMatchObject({ code: ErrorCodes.InvalidParams, data: { path: '/clientKind' } });
    await client.waitClosed();
  });
});
