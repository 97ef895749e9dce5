import React from 'react';
import type { Progress, SessionInfo } from '../../protocol';
import { answersUntilUpdate } from '../labeler/classification';

/**
 * Classification: when the model next trains by itself (answers left until `updateEvery`), and
 * "Train now" to start a round at once, e.g. after the first few labels or before stopping.
 */
export function TrainNow(props: {
  session: SessionInfo | null;
  progress: Progress | null;
  requested: boolean;
  onTrain: () => void;
}): JSX.Element {
  const { session, progress, requested, onTrain } = props;
  const training = progress?.training === true;
  const left = answersUntilUpdate(session, progress);
  return (
    <div className="tl-TrainNow">
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-train-now"
        disabled={!session || requested || training || progress?.finished === true}
        title="Start a training round now instead of waiting for the next update"
        onClick={onTrain}
      >
        {training ? 'Training…' : requested ? 'Starting…' : 'Train now'}
      </button>
      <span
        className="tl-TrainNow-until"
        data-testid="tl-until-update"
        data-left={left ?? undefined}
        title="Answers still needed before the model trains by itself (update every N answers; skips do not count)"
      >
        {left === null ? '' : `${left} ${left === 1 ? 'answer' : 'answers'} until the next update`}
      </span>
    </div>
  );
}
