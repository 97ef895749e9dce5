/** Protocol values for the frontend's unit tests. */
import type { Progress, Question, SessionInfo } from '../../protocol';

export function progress(overrides: Partial<Progress> = {}): Progress {
  return {
    done: 0,
    positive: 0,
    negative: 0,
    ignored: 0,
    modelVersion: 0,
    itemCount: 100,
    loadedItems: 100,
    ...overrides
  };
}

export function sessionInfo(overrides: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id: 's1',
    name: 'quickstart',
    task: 'similarity',
    model: 'hashed-ngram',
    contentType: 'text',
    topK: 4,
    createdAt: '2026-01-01T00:00:00Z',
    loading: false,
    progress: progress(),
    ...overrides
  };
}

export function question(id: string, candidateCount = 4, modelVersion = 0): Question {
  return {
    id,
    sessionId: 's1',
    query: { id: 100, index: 100, text: `query of ${id}` },
    candidates: Array.from({ length: candidateCount }, (_, i) => ({
      id: `c${i}`,
      index: i,
      text: `candidate ${i}`,
      score: 1 - i / 10
    })),
    modelVersion
  };
}
