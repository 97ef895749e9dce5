import type { ItemId, SessionConfig } from '../../protocol/messages';

/** An answer as it is persisted. */
export interface StoredAnswer {
  sessionId: string;
  answerId: string;
  questionId: string;
  queryId: ItemId;
  candidateIds: ItemId[];
  relevantIds: ItemId[];
  ignored: boolean;
  /** Name of the user who answered (the Jupyter user for browsers, the login name for kernels). */
  annotator: string;
  modelVersion: number;
  /** ISO-8601. */
  answeredAt: string;
}

/**
 * Where sessions and labels are persisted. Calls are synchronous so an answer
 * is stored before it is acknowledged. The in-memory store below serves this
 * slice and the tests; the SQLite store will implement the same interface.
 */
export interface LabelStore {
  sessionCreated(session: { id: string; config: SessionConfig; createdAt: string }): void;
  answerRecorded(answer: StoredAnswer): void;
  answerUndone(sessionId: string, answerId: string): void;
  sessionClosed(sessionId: string): void;
}

export class InMemoryLabelStore implements LabelStore {
  readonly sessions = new Map<string, { config: SessionConfig; createdAt: string; closed: boolean }>();
  readonly answers: (StoredAnswer & { undone: boolean })[] = [];

  sessionCreated(session: { id: string; config: SessionConfig; createdAt: string }): void {
    this.sessions.set(session.id, { config: session.config, createdAt: session.createdAt, closed: false });
  }

  answerRecorded(answer: StoredAnswer): void {
    this.answers.push({ ...answer, undone: false });
  }

  answerUndone(sessionId: string, answerId: string): void {
    const answer = this.answers.find(a => a.sessionId === sessionId && a.answerId === answerId);
    if (answer !== undefined) {
      answer.undone = true;
    }
  }

  sessionClosed(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session !== undefined) {
      session.closed = true;
    }
  }
}
