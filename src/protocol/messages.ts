/**
 * Every JSON-RPC method and notification between browser/kernel and the
 * sidecar, defined once as TypeBox schemas. The sidecar validates every
 * inbound `params` against these; the browser imports the same types;
 * `tunelab/protocol.py` mirrors them for the kernel.
 */
import { Static, TSchema, Type } from '@sinclair/typebox';

// ---------------------------------------------------------------- shared shapes

/** An item's user-facing id: the `id_field` value, else its row position. */
export const ItemId = Type.Union([Type.String({ maxLength: 1024 }), Type.Integer()]);
export type ItemId = Static<typeof ItemId>;

export const SessionId = Type.String({ minLength: 1, maxLength: 128 });
export const QuestionId = Type.String({ minLength: 1, maxLength: 128 });

export const ClientKind = Type.Union([Type.Literal('browser'), Type.Literal('kernel'), Type.Literal('test')]);
export type ClientKind = Static<typeof ClientKind>;

export const Task = Type.Literal('similarity');
export type Task = Static<typeof Task>;

export const ContentType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('vector')]);
export type ContentType = Static<typeof ContentType>;

/** One item of the pool as shown to an annotator. */
export const Item = Type.Object({
  id: ItemId,
  /** Row position in the data the user passed. */
  index: Type.Integer({ minimum: 0 }),
  text: Type.Optional(Type.String())
});
export type Item = Static<typeof Item>;

export const Candidate = Type.Composite([Item, Type.Object({ score: Type.Number() })]);
export type Candidate = Static<typeof Candidate>;

export const Question = Type.Object({
  id: QuestionId,
  sessionId: SessionId,
  query: Item,
  candidates: Type.Array(Candidate),
  /** Version of the model whose embeddings produced these candidates. */
  modelVersion: Type.Integer({ minimum: 0 })
});
export type Question = Static<typeof Question>;

export const Progress = Type.Object({
  /** Answered questions (not undone), ignored ones included. */
  done: Type.Integer({ minimum: 0 }),
  /** Candidates marked relevant. */
  positive: Type.Integer({ minimum: 0 }),
  /** Candidates left unselected in an answered question. */
  negative: Type.Integer({ minimum: 0 }),
  /** Questions answered with ignore/skip. */
  ignored: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  /** Items expected in the pool (known once the first chunk arrives). */
  itemCount: Type.Integer({ minimum: 0 }),
  /** Items received and embedded so far. */
  loadedItems: Type.Integer({ minimum: 0 })
});
export type Progress = Static<typeof Progress>;

export const SessionConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  task: Task,
  /** Embedding model name; "hashed-ngram" is the built-in text embedding. */
  model: Type.String({ minLength: 1, maxLength: 200 }),
  contentType: ContentType,
  /** Field of dict/table rows holding the content. */
  field: Type.Optional(Type.String({ maxLength: 200 })),
  topK: Type.Integer({ minimum: 1, maximum: 50 })
});
export type SessionConfig = Static<typeof SessionConfig>;

export const SessionInfo = Type.Composite([
  SessionConfig,
  Type.Object({
    id: SessionId,
    /** ISO-8601 creation time. */
    createdAt: Type.String(),
    /** True until the chunk flagged `isLast` has arrived. */
    loading: Type.Boolean(),
    progress: Progress
  })
]);
export type SessionInfo = Static<typeof SessionInfo>;

export const Limits = Type.Object({
  maxTextMessageBytes: Type.Integer(),
  maxBinaryMessageBytes: Type.Integer(),
  maxItemsPerChunk: Type.Integer()
});

const Empty = Type.Object({});

// ---------------------------------------------------------------- descriptors

export interface RequestDescriptor<P extends TSchema, R extends TSchema> {
  readonly method: string;
  readonly params: P;
  readonly result: R;
}

export interface NotificationDescriptor<P extends TSchema> {
  readonly method: string;
  readonly params: P;
}

function request<P extends TSchema, R extends TSchema>(method: string, params: P, result: R): RequestDescriptor<P, R> {
  return { method, params, result };
}

function notification<P extends TSchema>(method: string, params: P): NotificationDescriptor<P> {
  return { method, params };
}

/** Requests sent by a client (relay, kernel, browser) to the sidecar. */
export const Requests = {
  /**
   * Must be the first message on every sidecar connection. The relay sends it
   * on the browser's behalf (the browser never sees the secret); the kernel
   * reads the secret from the 0600 connection file.
   */
  hello: request(
    'tunelab/hello',
    Type.Object({
      secret: Type.String({ minLength: 1, maxLength: 256 }),
      user: Type.String({ minLength: 1, maxLength: 200 }),
      clientKind: ClientKind
    }),
    Type.Object({ sidecarVersion: Type.String(), pid: Type.Integer() })
  ),
  /** Version negotiation; the browser's first message after the relay's hello. */
  initialize: request(
    'tunelab/initialize',
    Type.Object({
      protocolVersion: Type.Object({ major: Type.Integer(), minor: Type.Integer() }),
      clientName: Type.String({ maxLength: 200 })
    }),
    Type.Object({
      protocolVersion: Type.Object({ major: Type.Integer(), minor: Type.Integer() }),
      sidecarVersion: Type.String(),
      user: Type.String(),
      limits: Limits
    })
  ),
  ping: request('tunelab/ping', Empty, Type.Object({ time: Type.Number() })),
  /** Creates a session, or returns the live one with the same name. */
  createSession: request('session/create', SessionConfig, SessionInfo),
  /**
   * Sent as a binary message: the payload is an Arrow IPC stream holding one
   * chunk of the pool, columns `id` (int64 or utf8), `index` (int64) and the
   * content column (`text`: utf8). Questions are served as soon as the first
   * chunk is in.
   */
  appendItems: request(
    'session/appendItems',
    Type.Object({
      sessionId: SessionId,
      chunkIndex: Type.Integer({ minimum: 0 }),
      /** Items in the whole pool, so progress can show loading. */
      totalItems: Type.Integer({ minimum: 0 }),
      isLast: Type.Boolean(),
      payload: Type.Uint8Array()
    }),
    Type.Object({ loadedItems: Type.Integer(), loading: Type.Boolean() })
  ),
  listSessions: request('session/list', Empty, Type.Object({ sessions: Type.Array(SessionInfo) })),
  getSession: request('session/get', Type.Object({ sessionId: SessionId }), SessionInfo),
  /** Starts `session/progress` notifications for this session on this connection. */
  subscribe: request('session/subscribe', Type.Object({ sessionId: SessionId }), SessionInfo),
  unsubscribe: request('session/unsubscribe', Type.Object({ sessionId: SessionId }), Empty),
  /** The next question for this connection; `null` when none is left (or the pool is still empty). */
  nextQuestion: request(
    'question/next',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ question: Type.Union([Question, Type.Null()]) })
  ),
  /**
   * Answers a question. Candidates in `relevant` are positives, the other
   * candidates negatives; `ignore` records a skip. `answerId` is chosen by
   * the client so a resend is idempotent (`duplicate: true`).
   */
  answer: request(
    'question/answer',
    Type.Object({
      sessionId: SessionId,
      questionId: QuestionId,
      answerId: Type.String({ minLength: 1, maxLength: 128 }),
      relevant: Type.Array(ItemId, { maxItems: 50 }),
      ignore: Type.Boolean()
    }),
    Type.Object({ progress: Progress, duplicate: Type.Boolean() })
  ),
  /** Undoes this session's most recent answer that is not undone yet. */
  undo: request(
    'session/undo',
    Type.Object({ sessionId: SessionId }),
    Type.Object({ progress: Progress, undoneQuestionId: Type.Union([QuestionId, Type.Null()]) })
  ),
  closeSession: request('session/close', Type.Object({ sessionId: SessionId }), Empty)
} as const;

/** Notifications sent by the sidecar. */
export const Notifications = {
  /** After every answer/undo/load step of a subscribed session. */
  progress: notification('session/progress', Type.Object({ sessionId: SessionId, progress: Progress })),
  /** To every connection whenever a session is created, closed or finishes loading. */
  sessionsChanged: notification('sessions/changed', Type.Object({ sessions: Type.Array(SessionInfo) }))
} as const;

export type RequestName = keyof typeof Requests;
export type ParamsOf<K extends RequestName> = Static<(typeof Requests)[K]['params']>;
export type ResultOf<K extends RequestName> = Static<(typeof Requests)[K]['result']>;
export type NotificationName = keyof typeof Notifications;
export type NotificationParamsOf<K extends NotificationName> = Static<(typeof Notifications)[K]['params']>;
