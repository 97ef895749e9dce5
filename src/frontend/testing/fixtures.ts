/** Protocol values for the frontend's unit tests. */
import type { Prediction, Question, Progress, SessionInfo } from '../../protocol';

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

/** A classification question (protocol 1.4): the item to label, its choices and the model's prediction. */
export function classificationQuestion(
  id: string,
  choices: string[],
  prediction: Prediction | null = null,
  modelVersion = 0
): Question {
  return {
    id,
    sessionId: 's1',
    query: { id: 100, index: 100, text: `item of ${id}` },
    candidates: [],
    modelVersion,
    strategy: 'uncertain',
    choices,
    prediction
  };
}

/** A single-label prediction of `labels[top]` with the given scores (in label order). */
export function prediction(labels: string[], scores: number[], modelVersion = 1): Prediction {
  const top = scores.indexOf(Math.max(...scores));
  return { labels: [labels[top]], scores, certainty: scores[top], modelVersion };
}
