import { LIMITS } from '../../protocol/limits';
import { PROTOCOL_VERSION } from '../../protocol/version';
import { invalidRequest, protocolVersionMismatch } from '../errors';
import { SessionManager } from '../sessions/sessionManager';
import { SIDECAR_VERSION } from '../version';
import { ClientConnection } from './clientConnection';
import { ConnectionHub } from './connectionHub';

export interface HandlerContext {
  sessions: SessionManager;
  hub: ConnectionHub;
}

/** The protocol's methods (docs/protocol.md, "Methods") on one client connection. */
export function registerHandlers(client: ClientConnection, { sessions, hub }: HandlerContext): void {
  client.handle('hello', () => {
    if (!client.takeHello()) {
      throw invalidRequest('tunelab/hello was already done on this connection', 'already_authenticated');
    }
    return { sidecarVersion: SIDECAR_VERSION, pid: process.pid };
  });

  client.handle('initialize', ({ protocolVersion }) => {
    if (protocolVersion.major !== PROTOCOL_VERSION.major) {
      throw protocolVersionMismatch(
        `client speaks protocol ${protocolVersion.major}.${protocolVersion.minor}, ` +
          `the sidecar ${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`
      );
    }
    return {
      protocolVersion: { ...PROTOCOL_VERSION },
      sidecarVersion: SIDECAR_VERSION,
      user: client.identity?.user ?? '',
      limits: { ...LIMITS }
    };
  });

  client.handle('ping', () => ({ time: Date.now() }));

  client.handle('createSession', config => sessions.create(config).info());

  client.handle('appendItems', ({ sessionId, ...chunk }) => sessions.get(sessionId).appendItems(chunk));

  client.handle('listSessions', () => ({ sessions: sessions.list() }));

  client.handle('getSession', ({ sessionId }) => sessions.get(sessionId).info());

  client.handle('subscribe', ({ sessionId }) => {
    const info = sessions.get(sessionId).info();
    hub.subscribe(client, sessionId);
    return info;
  });

  client.handle('unsubscribe', ({ sessionId }) => {
    hub.unsubscribe(client, sessionId);
    return {};
  });

  client.handle('nextQuestion', ({ sessionId }) => ({ question: sessions.get(sessionId).nextQuestion(client.id) }));

  client.handle('answer', ({ sessionId, ...answer }) => sessions.get(sessionId).answer(client.id, answer));

  client.handle('undo', ({ sessionId }) => sessions.get(sessionId).undo(client.id));

  client.handle('closeSession', ({ sessionId }) => {
    sessions.close(sessionId);
    return {};
  });

  client.onClose(() => sessions.releaseHolder(client.id));
}
