import { ErrorCodes, PROTOCOL_VERSION } from '../../protocol';
import { FakeReply, FakeWebSocket, IJsonRpcMessage } from '../testing/fakeWebSocket';
import { progress, sessionInfo } from '../testing/fixtures';
import { resultPayload } from './binaryPayload';
import { SidecarConnection } from './sidecarConnection';
import { SidecarError } from './sidecarError';

const initializeResult = {
  protocolVersion: PROTOCOL_VERSION,
  sidecarVersion: '0.1.0',
  user: 'alice',
  limits: { maxTextMessageBytes: 1, maxBinaryMessageBytes: 1, maxItemsPerChunk: 1 }
};

/** A sidecar that answers the handshake and subscriptions, and leaves the rest to `others`. */
function sidecar(others: (message: IJsonRpcMessage) => FakeReply | undefined = () => undefined) {
  return (message: IJsonRpcMessage): FakeReply | undefined => {
    switch (message.method) {
      case 'tunelab/initialize':
        return { result: initializeResult };
      case 'session/subscribe':
        return { result: sessionInfo({ id: String(message.params?.sessionId) }) };
      case 'session/unsubscribe':
        return { result: {} };
      default:
        return others(message);
    }
  };
}

function connect(): SidecarConnection {
  return new SidecarConnection({
    url: 'ws://localhost:8888/tunelab/ws',
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
    clientName: 'test'
  });
}

const tick = (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));

describe('SidecarConnection', () => {
  let connection: SidecarConnection;

  beforeEach(() => {
    FakeWebSocket.reset();
    FakeWebSocket.respond = sidecar();
    connection = connect();
  });

  afterEach(() => connection.dispose());

  it('initializes with the protocol version when the websocket opens', async () => {
    expect(connection.status).toBe('connecting');
    FakeWebSocket.latest.open();
    await connection.ready;
    expect(connection.status).toBe('open');
    expect(FakeWebSocket.latest.url).toBe('ws://localhost:8888/tunelab/ws');
    const [initialize] = FakeWebSocket.latest.sent;
    expect(initialize.method).toBe('tunelab/initialize');
    expect(initialize.params).toEqual({ protocolVersion: { ...PROTOCOL_VERSION }, clientName: 'test' });
    expect(connection.serverInfo?.user).toBe('alice');
  });

  it('queues requests made while connecting until the connection is open', async () => {
    FakeWebSocket.respond = sidecar(() => ({ result: { sessions: [] } }));
    const listed = connection.request('listSessions', {});
    FakeWebSocket.latest.open();
    await expect(listed).resolves.toEqual({ sessions: [] });
    expect(FakeWebSocket.latest.methods).toEqual(['tunelab/initialize', 'session/list']);
  });

  it('rejects a result that does not match the protocol', async () => {
    FakeWebSocket.respond = sidecar(() => ({ result: { sessions: [{ id: 7 }] } }));
    FakeWebSocket.latest.open();
    await expect(connection.request('listSessions', {})).rejects.toThrow(
      /session\/list: unexpected result at \/sessions\/0/
    );
  });

  it('turns error responses into SidecarErrors with code and kind', async () => {
    FakeWebSocket.respond = sidecar(() => ({
      error: { code: ErrorCodes.SessionNotFound, message: 'no session s9', data: { kind: 'session_not_found' } }
    }));
    FakeWebSocket.latest.open();
    const error = await connection.request('getSession', { sessionId: 's9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SidecarError);
    expect(error).toMatchObject({ code: ErrorCodes.SessionNotFound, kind: 'session_not_found' });
    expect((error as Error).message).toBe('session/get: no session s9');
  });

  it('sends a Uint8Array payload as a binary message (labels/import)', async () => {
    const file = new TextEncoder().encode('a,b\n1,2\n');
    FakeWebSocket.respond = sidecar(() => ({ result: { imported: 1, duplicates: 0, progress: progress() } }));
    FakeWebSocket.latest.open();
    const result = await connection.request('importLabels', { sessionId: 's1', format: 'csv', payload: file });
    expect(result.imported).toBe(1);
    const sent = FakeWebSocket.latest.sent[1];
    expect(sent.method).toBe('labels/import');
    expect(sent.params).toEqual({ sessionId: 's1', format: 'csv', payload: file });
  });

  it('hands a binary response its bytes as result.payload (labels/export)', async () => {
    const file = new TextEncoder().encode('{"answerId":"a1"}\n');
    const header = { format: 'jsonl', fileName: 'q.labels.jsonl', mediaType: 'application/x-ndjson', count: 1 };
    FakeWebSocket.respond = sidecar(() => ({ result: header, payload: file }));
    FakeWebSocket.latest.open();
    const result = await connection.request('exportLabels', { sessionId: 's1', format: 'jsonl' });
    expect(result).toMatchObject(header);
    expect(resultPayload(result, 'labels/export')).toEqual(file);
  });

  it('emits valid notifications, typed, and drops invalid ones', async () => {
    FakeWebSocket.latest.open();
    await connection.ready;
    const received: unknown[] = [];
    connection.onNotification.progress.connect((_, params) => received.push(params));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    FakeWebSocket.latest.receive({ jsonrpc: '2.0', method: 'session/progress', params: { sessionId: 's1' } });
    FakeWebSocket.latest.receive({
      jsonrpc: '2.0',
      method: 'session/progress',
      params: { sessionId: 's1', progress: progress({ done: 3 }) }
    });
    await tick(10);
    expect(received).toEqual([{ sessionId: 's1', progress: progress({ done: 3 }) }]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/dropped an invalid session\/progress notification/));
    warn.mockRestore();
  });

  it('counts subscriptions so one view unsubscribing does not silence another', async () => {
    FakeWebSocket.latest.open();
    await connection.request('subscribe', { sessionId: 's1' });
    await connection.request('subscribe', { sessionId: 's1' });
    await connection.request('unsubscribe', { sessionId: 's1' });
    expect(FakeWebSocket.latest.methods.filter(m => m === 'session/unsubscribe')).toHaveLength(0);
    await connection.request('unsubscribe', { sessionId: 's1' });
    expect(FakeWebSocket.latest.methods.filter(m => m === 'session/unsubscribe')).toHaveLength(1);
  });

  it('rejects pending requests at a drop, reconnects and restores the subscriptions', async () => {
    const first = FakeWebSocket.latest;
    first.open();
    await connection.request('subscribe', { sessionId: 's1' });
    const pending = connection.request('nextQuestion', { sessionId: 's1' }); // never answered
    const statuses: string[] = [];
    connection.statusChanged.connect((_, status) => statuses.push(status));
    const reconnected = new Promise<void>(resolve => connection.reconnected.connect(() => resolve()));

    first.drop();
    await expect(pending).rejects.toThrow(/^question\/next: the connection to the Tunelab sidecar was lost/);
    expect(connection.status).toBe('reconnecting');
    await expect(connection.request('listSessions', {})).rejects.toThrow(/not connected to the Tunelab sidecar/);

    await tick(300); // the first retry comes after 0.25 s
    const second = FakeWebSocket.latest;
    expect(second).not.toBe(first);
    second.open();
    await reconnected;
    expect(second.methods).toEqual(['tunelab/initialize', 'session/subscribe']);
    expect(second.sent[1].params).toEqual({ sessionId: 's1' });
    expect(statuses).toEqual(['reconnecting', 'open']);
  });

  it('keeps retrying while the server refuses, then connects', async () => {
    FakeWebSocket.latest.drop();
    await tick(300);
    FakeWebSocket.latest.drop();
    expect(connection.status).toBe('reconnecting');
    await tick(550); // 0.5 s after the second failure
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.latest.open();
    await connection.ready;
    expect(connection.status).toBe('open');
  });

  it('closes on dispose and stops reconnecting', async () => {
    FakeWebSocket.latest.open();
    await connection.ready;
    connection.dispose();
    expect(connection.status).toBe('closed');
    expect(FakeWebSocket.latest.readyState).toBe(FakeWebSocket.latest.CLOSED);
    await tick(300);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await expect(connection.request('listSessions', {})).rejects.toThrow(/connection is closed/);
  });
});
