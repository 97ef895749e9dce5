import type { ModelVersionRecord, Progress, SessionConfig, SessionInfo } from '../../protocol/messages';
import { AllowedRoot } from '../data/allowedRoot';
import { invalidParams, sessionNotFound } from '../errors';
import type { DatasetRecord, LabelStore } from '../store/labelStore';
import { HolderId, LabelingSession, SessionDeps } from './labelingSession';
import { withDefaults } from './sessionOptions';
import type { EmbeddingCache } from '../store/embeddingCache';

/** What the outside world (the connection hub) hears about sessions. */
export interface SessionEvents {
  progressChanged(sessionId: string, progress: Progress): void;
  sessionsChanged(sessions: SessionInfo[]): void;
  modelUpdated?(sessionId: string, record: ModelVersionRecord): void;
}

export interface SessionManagerOptions {
  /** Where model paths must stay (the sidecar config's rootDir, else the process cwd). */
  root?: AllowedRoot;
  /** Pool embeddings of frozen sentence encoders (docs/storage.md); default: none. */
  embeddingCache?: EmbeddingCache;
  /** Where sentence-encoder models are exported for kernels (`<data dir>/exports`). */
  exportDir?: string;
}

/** Who asks for a session: a kernel may name a model directory anywhere, a browser only inside the roots. */
export interface CreateOptions {
  anyModelPath?: boolean;
}

/** What must match for `session/create` to resume a stored dataset (the rest is updated from the request). */
const IDENTITY_KEYS = ['task', 'model', 'contentType', 'inputShape', 'modelPath', 'outputDim'] as const;

/**
 * The live sessions, found by id or by name; at most one live session per name. A name or id the store
 * knows but no live session has is restored from the store (a sidecar restart, or `session/close` earlier).
 */
export class SessionManager {
  private readonly byId = new Map<string, LabelingSession>();
  private readonly byName = new Map<string, LabelingSession>();
  private readonly root: AllowedRoot;
  private readonly embeddingCache?: EmbeddingCache;
  private readonly exportDir?: string;

  constructor(
    private readonly store: LabelStore,
    private readonly events: SessionEvents,
    options: SessionManagerOptions = {}
  ) {
    this.root = options.root ?? new AllowedRoot();
    this.embeddingCache = options.embeddingCache;
    this.exportDir = options.exportDir;
  }

  /**
   * Creates a session, or returns the live one with the same name, or resumes the stored dataset of that
   * name (its options updated from `config`). Config errors throw at once; a trainable model's worker
   * starts in the background (see `createReady`).
   */
  create(config: SessionConfig, options: CreateOptions = {}): LabelingSession {
    const existing = this.byName.get(config.name);
    if (existing !== undefined) {
      return existing;
    }
    const stored = this.store.datasetByName(config.name);
    if (stored !== undefined) {
      checkSameModel(stored, config);
      const session = this.restore(stored, { ...stored.config, ...definedOf(config) });
      this.store.updateConfig(session.id, session.config);
      return session;
    }
    const session = this.open(config, undefined, options);
    this.store.createDataset({
      id: session.id,
      name: config.name,
      config: session.config,
      createdAt: session.createdAt,
      closed: false
    });
    this.events.sessionsChanged(this.list());
    return session;
  }

  /** `create`, then waits for the model; a model that fails to start closes the session and throws. */
  async createReady(config: SessionConfig, options: CreateOptions = {}): Promise<LabelingSession> {
    const session = this.create(config, options);
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

  /** The live session with this id, else the stored dataset restored; SessionNotFound otherwise. */
  get(sessionId: string): LabelingSession {
    const session = this.byId.get(sessionId);
    if (session !== undefined) {
      return session;
    }
    const stored = this.store.datasetById(sessionId);
    if (stored === undefined || this.byName.has(stored.name)) {
      throw sessionNotFound(sessionId);
    }
    return this.restore(stored, stored.config);
  }

  list(): SessionInfo[] {
    return [...this.byId.values()].map(session => session.info());
  }

  /** `session/close`: the session leaves memory; its dataset stays in the store, marked closed. */
  close(sessionId: string): void {
    this.unload(sessionId);
    this.store.setClosed(sessionId, true);
    this.events.sessionsChanged(this.list());
  }

  /** Process shutdown: every session's worker thread ends; datasets stay as they are (resumed on next use). */
  closeAll(): void {
    for (const id of [...this.byId.keys()]) {
      this.unload(id);
    }
  }

  private unload(sessionId: string): void {
    const session = this.get(sessionId);
    this.byId.delete(sessionId);
    this.byName.delete(session.config.name);
    session.close();
  }

  /** A connection went away: its unanswered questions go back to their pools. */
  releaseHolder(holder: HolderId): void {
    for (const session of this.byId.values()) {
      session.release(holder);
    }
  }

  private open(
    config: SessionConfig,
    restored?: Pick<SessionDeps, 'identity' | 'restoredModel'>,
    options: CreateOptions = {}
  ): LabelingSession {
    const session = new LabelingSession(config, {
      store: this.store,
      root: this.root,
      embeddingCache: this.embeddingCache,
      exportDir: this.exportDir,
      anyModelPath: options.anyModelPath,
      ...restored,
      listener: {
        progressChanged: changed => this.events.progressChanged(changed.id, changed.progress()),
        loadingFinished: () => this.events.sessionsChanged(this.list()),
        modelUpdated: (changed, record) => this.events.modelUpdated?.(changed.id, record)
      }
    });
    this.byId.set(session.id, session);
    this.byName.set(config.name, session);
    return session;
  }

  /** A stored dataset made live again: its pool replayed, its answers counted, its latest model loaded. */
  private restore(dataset: DatasetRecord, config: SessionConfig): LabelingSession {
    const versions = this.store.modelVersions(dataset.id);
    const saved = [...versions].reverse().find(v => v.path !== null);
    const session = this.open(config, {
      identity: { id: dataset.id, createdAt: dataset.createdAt },
      restoredModel: {
        records: versions.map(({ datasetId: _d, path: _p, ...record }) => record),
        savedVersionDir: saved?.path ?? undefined
      }
    });
    try {
      session.restore(
        this.store.chunks(dataset.id),
        this.store.answers(dataset.id),
        this.store.openQuestions(dataset.id)
      );
    } catch (err) {
      this.byId.delete(session.id);
      this.byName.delete(config.name);
      session.close();
      throw err;
    }
    if (dataset.closed) {
      this.store.setClosed(dataset.id, false);
    }
    this.events.sessionsChanged(this.list());
    return session;
  }
}

/** A dataset keeps its model and content: resuming it with another one would mix incompatible labels. */
function checkSameModel(dataset: DatasetRecord, config: SessionConfig): void {
  const requested = withDefaults(config);
  for (const key of IDENTITY_KEYS) {
    const before = dataset.config[key];
    const now = requested[key];
    if (now !== undefined && JSON.stringify(before) !== JSON.stringify(now)) {
      throw invalidParams(
        `/${key}`,
        `dataset '${dataset.name}' was labeled with ${key} ${JSON.stringify(before)}, not ${JSON.stringify(now)}; ` +
          'pass another name to start a new dataset'
      );
    }
  }
}

function definedOf(config: SessionConfig): Partial<SessionConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}
