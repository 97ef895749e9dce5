/**
 * Moving between a panel's answered questions (read-only review) and its current question.
 *
 * The panel keeps the questions it answered, oldest first. `null` is the current question;
 * a number is the position of an answered one being reviewed.
 * - Back (←): from the current question to the latest answer, then one answer older each
 *   time; at the oldest it stays.
 * - Forward (→): one answer newer; past the latest answer back to the current question;
 *   on the current question it does nothing.
 */
export type ReviewPosition = number | null;

export function stepBack(position: ReviewPosition, answeredCount: number): ReviewPosition {
  if (answeredCount === 0) {
    return null;
  }
  if (position === null) {
    return answeredCount - 1;
  }
  return Math.max(0, Math.min(position, answeredCount) - 1);
}

export function stepForward(position: ReviewPosition, answeredCount: number): ReviewPosition {
  if (position === null || position + 1 >= answeredCount) {
    return null;
  }
  return position + 1;
}
