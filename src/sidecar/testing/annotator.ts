import type { Question } from '../../protocol/messages';
import { knnAccuracy } from '../engine/training/synthetic';
import { LabelingSession } from '../sessions/labelingSession';
import { vectorsChunk } from './arrowChunks';

/**
 * Test/bench helper: a simulated annotator who knows every item's class and marks candidates of the
 * query's class relevant, at human pace (waits for the model and the prefetch between answers).
 */
export async function annotate(
  session: LabelingSession,
  classes: Int32Array,
  answers: number,
  options: { waitForTraining?: boolean } = {}
): Promise<Question[]> {
  const asked: Question[] = [];
  for (let i = 0; i < answers; i++) {
    await session.prefetched();
    const question = session.nextQuestion('annotator');
    if (question === null) {
      break;
    }
    asked.push(question);
    const queryClass = classes[question.query.index];
    const relevant = question.candidates.filter(c => classes[c.index] === queryClass).map(c => c.id);
    session.answer('annotator', { questionId: question.id, answerId: `a${i}`, relevant, ignore: false });
    if (options.waitForTraining ?? true) {
      await session.waitForModel(undefined, 60_000);
    }
  }
  return asked;
}

/** kNN accuracy (k=5) of held-out rows against the pool, both embedded by the session's live model. */
export async function heldOutAccuracy(
  session: LabelingSession,
  pool: { rows: Float32Array; labels: Int32Array },
  test: { rows: Float32Array; labels: Int32Array },
  dim: number
): Promise<number> {
  const ref = await session.embed(vectorsChunk(pool.rows, dim));
  const probe = await session.embed(vectorsChunk(test.rows, dim, pool.labels.length));
  return knnAccuracy(ref.vectors, pool.labels, probe.vectors, test.labels, ref.dim);
}
