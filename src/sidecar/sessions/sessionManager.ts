import type { ModelVersionRecord, Progress, SessionConfig, SessionInfo } from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { sessionNotFound } from '../errors';
import { LabelStore } from './labelStore';
import { HolderId, LabelingSession } from './labelingSession';

/** What the outside world (the connection hub) hears about sessions. */
export interface SessionEvents {
  progressChanged(sessionId: string, progress: Progress): void;
  sessionsChanged(sessions: SessionInfo[]): void;
  modelUpdated?(sessionId: string, record: ModelVersionRecord): void;
}

export interface SessionManagerOptions {
  /** Where model paths must stay (the sidecar config's rootDir, else the process cwd). */
  root?: AllowedRoot;
}

/** The live sessions, found by id or by name; at most one live session per name. */
export class SessionManager {
  private readonly byId = new Map<string, LabelingSession>();
  private readonly byName = new Map<string, LabelingSession>();
  private readonly root: AllowedRoot;

  constructor(
    private readonly store: LabelStore,
    private readonly events: SessionEvents,
    options: SessionManagerOptions = {}
  ) {
    this.root = options.root ?? new AllowedRoot();
  }

  /**
   * Creates a session, or returns the live one with the same name. Config errors throw at once; a trainable
   * model's worker starts in the background (see `createReady`).
   */
  create(config: SessionConfig): LabelingSession {
    const existing = this.byName.get(config.name);
    if (existing !== undefined) {
      return existing;
    }
    const session = new LabelingSession(config, {
      store: this.store,
      root: this.root,
      listener: {
        progressChanged: changed => this.events.progressChanged(changed.id, changed.progress()),
        loadingFinished: () => this.events.sessionsChanged(this.list()),
        modelUpdated: (changed, record) => this.events.modelUpdated?.(changed.id, record)
      }
    });
    this.store.sessionCreated({ id: session.id, config: session.config, createdAt: session.createdAt });
    this.byId.set(session.id, session);
    this.byName.set(config.name, session);
    this.events.sessionsChanged(this.list());
    return session;
  }

  /** `create`, then waits for the model; a model that fails to start closes the session and throws. */
  async createReady(config: SessionConfig): Promise<LabelingSession> {
    const session = this.create(config);
    try {
      await session.ready;
    } catch (err) {
      if (this.byId.get(session.id) === session) {
        this.close(session.id);
      }
      throw err;
    }
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
    session.close();
    this.store.sessionClosed(sessionId);
    this.events.sessionsChanged(this.list());
  }

  /** Closes every session (process shutdown): their worker threads end. */
  closeAll(): void {
    for (const id of [...this.byId.keys()]) {
      this.close(id);
    }
  }

  /** A connection went away: its unanswered questions go back to their pools. */
  releaseHolder(holder: HolderId): void {
    for (const session of this.byId.values()) {
      session.release(holder);
    }
  }
}
