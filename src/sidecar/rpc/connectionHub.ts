import type { ModelVersionRecord, Progress, SessionInfo } from '../../protocol/messages';
import { ClientConnection } from './clientConnection';

/**
 * The open client connections and their session subscriptions; fans out
 * notifications. Sending is deferred a turn so the response to the request
 * that caused a change goes out before the notification about it.
 */
export class ConnectionHub {
  private readonly connections = new Set<ClientConnection>();
  private readonly subscribers = new Map<string, Set<ClientConnection>>();

  add(client: ClientConnection): void {
    this.connections.add(client);
    client.onClose(() => this.remove(client));
  }

  get size(): number {
    return this.connections.size;
  }

  subscribe(client: ClientConnection, sessionId: string): void {
    let set = this.subscribers.get(sessionId);
    if (set === undefined) {
      set = new Set();
      this.subscribers.set(sessionId, set);
    }
    set.add(client);
  }

  unsubscribe(client: ClientConnection, sessionId: string): void {
    const set = this.subscribers.get(sessionId);
    set?.delete(client);
    if (set?.size === 0) {
      this.subscribers.delete(sessionId);
    }
  }

  notifyProgress(sessionId: string, progress: Progress): void {
    const targets = [...(this.subscribers.get(sessionId) ?? [])];
    setImmediate(() => targets.forEach(client => client.notify('progress', { sessionId, progress })));
  }

  notifyModelUpdated(sessionId: string, record: ModelVersionRecord): void {
    const targets = [...(this.subscribers.get(sessionId) ?? [])];
    setImmediate(() => targets.forEach(client => client.notify('modelUpdated', { sessionId, record })));
  }

  /** Also forgets subscriptions to sessions that no longer exist. */
  notifySessionsChanged(sessions: SessionInfo[]): void {
    const live = new Set(sessions.map(session => session.id));
    for (const sessionId of [...this.subscribers.keys()]) {
      if (!live.has(sessionId)) {
        this.subscribers.delete(sessionId);
      }
    }
    const targets = [...this.connections].filter(client => client.identity !== undefined);
    setImmediate(() => targets.forEach(client => client.notify('sessionsChanged', { sessions })));
  }

  closeAll(): void {
    for (const client of this.connections) {
      client.close();
    }
  }

  private remove(client: ClientConnection): void {
    this.connections.delete(client);
    for (const [sessionId, set] of this.subscribers) {
      set.delete(client);
      if (set.size === 0) {
        this.subscribers.delete(sessionId);
      }
    }
  }
}
