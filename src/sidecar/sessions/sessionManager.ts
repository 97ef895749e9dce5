import type { Progress, SessionConfig, SessionInfo } from '../../protocol/messages';
import { createTextEmbedder } from '../embedding/embedderRegistry';
import { invalidParams, sessionNotFound } from '../errors';
import { LabelStore } from './labelStore';
import { HolderId, LabelingSession } from './labelingSession';

/** What the outside world (the connection hub) hears about sessions. */
export interface SessionEvents {
  progressChanged(sessionId: string, progress: Progress): void;
  sessionsChanged(sessions: SessionInfo[]): void;
}

/** The live sessions, found by id or by name; at most one live session per name. */
export class SessionManager {
  private readonly byId = new Map<string, LabelingSession>();
  private readonly byName = new Map<string, LabelingSession>();

  constructor(
    private readonly store: LabelStore,
    private readonly events: SessionEvents
  ) {}

  /** Creates a session, or returns the live one with the same name. */
  create(config: SessionConfig): LabelingSession {
    const existing = this.byName.get(config.name);
    if (existing !== undefined) {
      return existing;
    }
    if (config.contentType !== 'text') {
      throw invalidParams('/contentType', `content type '${config.contentType}' is not supported yet (only 'text')`);
    }
    const session = new LabelingSession(config, createTextEmbedder(config.model), this.store, {
      progressChanged: changed => this.events.progressChanged(changed.id, changed.progress()),
      loadingFinished: () => this.events.sessionsChanged(this.list())
    });
    this.store.sessionCreated({ id: session.id, config, createdAt: session.createdAt });
    this.byId.set(session.id, session);
    this.byName.set(config.name, session);
    this.events.sessionsChanged(this.list());
    return session;
  }

  /** The live session with this id; SessionNotFound otherwise. */
  get(sessionId: string): LabelingSession {
    const session = this.byId.get(sessionId);
    if (session === undefined) {
      throw sessionNotFound(sessionId);
    }
    return session;
  }

  list(): SessionInfo[] {
    return [...this.byId.values()].map(session => session.info());
  }

  close(sessionId: string): void {
    const session = this.get(sessionId);
    this.byId.delete(sessionId);
    this.byName.delete(session.config.name);
    this.store.sessionClosed(sessionId);
    this.events.sessionsChanged(this.list());
  }

  /** A connection went away: its unanswered questions go back to their pools. */
  releaseHolder(holder: HolderId): void {
    for (const session of this.byId.values()) {
      session.release(holder);
    }
  }
}
