import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { AddressInfo, Server, createServer } from 'node:net';
import { LIMITS } from '../protocol/limits';
import { ListenTarget } from './config';
import { describeError, log } from './log';
import { ClientConnection } from './rpc/clientConnection';
import { ConnectionHub } from './rpc/connectionHub';
import { Handshake } from './rpc/handshake';
import { registerHandlers } from './rpc/handlers';
import { AllowedRoot } from './data/allowedRoot';
import type { LabelStore } from './store/labelStore';
import type { EmbeddingCache } from './store/embeddingCache';
import { SessionManager } from './sessions/sessionManager';

/** The line printed on stdout once the sidecar listens (docs/protocol.md, "Sidecar process contract"). */
export type ReadyLine =
  | { event: 'ready'; transport: 'unix'; path: string; pid: number }
  | { event: 'ready'; transport: 'tcp'; host: string; port: number; pid: number };

export interface SidecarServerOptions {
  target: ListenTarget;
  secret: string;
  /** The label store; the server closes it when it closes. */
  store: LabelStore;
  /** Allowed root for model paths (default: the process cwd). */
  rootDir?: string;
  /** Where pretrained model directories may also be read from (SidecarConfig.modelRoots). */
  modelRoots?: string[];
  /** Pool embeddings of frozen sentence encoders; the server closes it when it closes. */
  embeddingCache?: EmbeddingCache;
  /** Where sentence-encoder models are exported for kernels (`<data dir>/exports`). */
  exportDir?: string;
  helloTimeoutMs?: number;
}

export interface RunningSidecarServer {
  ready: ReadyLine;
  close(): Promise<void>;
}

/** Listens on the configured socket and serves the protocol to every connection. */
export async function startSidecarServer(options: SidecarServerOptions): Promise<RunningSidecarServer> {
  const hub = new ConnectionHub();
  const root = new AllowedRoot(options.rootDir, options.modelRoots);
  const sessions = new SessionManager(
    options.store,
    {
      progressChanged: (sessionId, progress) => hub.notifyProgress(sessionId, progress),
      sessionsChanged: list => hub.notifySessionsChanged(list),
      modelUpdated: (sessionId, record) => hub.notifyModelUpdated(sessionId, record)
    },
    { root, embeddingCache: options.embeddingCache, exportDir: options.exportDir }
  );
  const secretDigest = Handshake.digest(options.secret);
  const limits = { maxTextBytes: LIMITS.maxTextMessageBytes, maxBinaryBytes: LIMITS.maxBinaryMessageBytes };

  const server = createServer(socket => {
    try {
      const client = new ClientConnection(socket, {
        secretDigest,
        limits,
        helloTimeoutMs: options.helloTimeoutMs ?? 10_000
      });
      registerHandlers(client, { sessions, hub, root });
      hub.add(client);
      client.onClose(() => log('debug', `${client.id}: closed`));
      client.start();
      log('debug', `${client.id}: connected`);
    } catch (err) {
      log('error', `could not set up a connection: ${describeError(err)}`);
      socket.destroy();
    }
  });
  server.on('error', err => log('error', `server error: ${err.message}`));

  const ready = await listen(server, options.target);
  let closed = false;
  return {
    ready,
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      hub.closeAll();
      sessions.closeAll();
      options.store.close();
      options.embeddingCache?.close();
      await new Promise<void>(resolve => server.close(() => resolve()));
      if (options.target.transport === 'unix') {
        removeSocketFile(options.target.path);
      }
    }
  };
}

async function listen(server: Server, target: ListenTarget): Promise<ReadyLine> {
  if (target.transport === 'unix') {
    removeSocketFile(target.path);
    await listenOn(server, () => server.listen(target.path));
    // The 0700 directory already keeps others out; 0600 keeps the socket private if it is ever moved.
    chmodSync(target.path, 0o600);
    return { event: 'ready', transport: 'unix', path: target.path, pid: process.pid };
  }
  await listenOn(server, () => server.listen({ host: target.host, port: 0 }));
  const address = server.address() as AddressInfo;
  return { event: 'ready', transport: 'tcp', host: address.address, port: address.port, pid: process.pid };
}

function listenOn(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}

/** Removes a stale socket left by a crashed sidecar; refuses to delete anything that is not a socket. */
function removeSocketFile(path: string): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (!stats.isSocket()) {
    throw new Error(`${path} exists and is not a socket; not removing it`);
  }
  unlinkSync(path);
}
