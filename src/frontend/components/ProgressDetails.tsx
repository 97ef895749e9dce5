import React from 'react';
import type { Progress, SessionInfo } from '../../protocol';
import { backendTitle } from './backendTitle';
import { formatLoss } from './formatLoss';
import { ProgressCounters } from './ProgressCounters';

/**
 * A session's labeling and training state: the counters, the round, saved answers, the model
 * version and its last loss, whether training runs and on which backend, and the share of
 * positive / negative / ignored labels. The same in a panel and in the sidebar.
 */
export function ProgressDetails(props: { session: SessionInfo | null; progress: Progress | null }): JSX.Element {
  const { session, progress } = props;
  const roundSize = session?.questionsPerRound;
  return (
    <div className="tl-ProgressDetails" data-testid="tl-progress">
      <ProgressCounters progress={progress} task={session?.task} />
      <EmbeddingBar progress={progress} />
      <span className="tl-ProgressDetails-row">
        <Stat
          label={progress?.round ? `round ${progress.round}` : 'this round'}
          testId="tl-round"
          title="Questions answered in this round, out of the questions per round"
          value={progress ? `${progress.roundDone ?? 0}${roundSize ? ` / ${roundSize}` : ''}` : '–'}
        />
        <Stat label="saved" testId="tl-saved" title="Answers committed to the store" value={progress?.saved ?? '–'} />
        <Stat
          label="model"
          testId="tl-progress-model-version"
          title="Current model version (0: before any training)"
          value={progress ? `v${progress.modelVersion}` : '–'}
          data={{ 'data-version': progress?.modelVersion }}
        />
        <Stat
          label="loss"
          testId="tl-last-loss"
          title="Loss of the last training round"
          value={typeof progress?.lastLoss === 'number' ? formatLoss(progress.lastLoss) : '–'}
        />
        <TrainingIndicator progress={progress} />
      </span>
      {session?.task === 'classification' ? null : <LabelShares progress={progress} />}
    </div>
  );
}

function Stat(props: {
  label: string;
  value: string | number;
  title: string;
  testId: string;
  data?: Record<string, string | number | undefined>;
}): JSX.Element {
  return (
    <span className="tl-ProgressDetails-stat" title={props.title}>
      <span className="tl-ProgressDetails-label">{props.label}</span>
      <span className="tl-ProgressDetails-value" data-testid={props.testId} {...props.data}>
        {props.value}
      </span>
    </span>
  );
}

/** A spinner while a training round or re-embedding runs; the TF.js backend either way. */
function TrainingIndicator(props: { progress: Progress | null }): JSX.Element | null {
  const { progress } = props;
  if (!progress) {
    return null;
  }
  const training = progress.training === true;
  return (
    <span
      className={`tl-TrainingIndicator${training ? ' tl-mod-training' : ''}`}
      data-testid="tl-training"
      data-training={training}
      title={training ? 'The sidecar is training the model' : 'Training is idle'}
    >
      <span className="tl-TrainingIndicator-spinner" aria-hidden="true" />
      {training ? 'training' : 'idle'}
      {progress.backend ? (
        <span
          className={`tl-TrainingIndicator-backend${progress.backendFallbackReason ? ' tl-mod-fallback' : ''}`}
          data-testid="tl-backend"
          title={backendTitle(progress)}
        >
          {progress.backend}
        </span>
      ) : null}
    </span>
  );
}

/**
 * While a pretrained sentence encoder embeds the pool (questions already flow from the part embedded):
 * how many items are in the index, as a bar and in numbers.
 */
function EmbeddingBar(props: { progress: Progress | null }): JSX.Element | null {
  const { progress } = props;
  if (!progress?.embedding || progress.itemCount === 0) {
    return null;
  }
  const share = Math.min(1, progress.loadedItems / progress.itemCount);
  const cached = progress.cachedItems ? `, ${progress.cachedItems.toLocaleString()} from the cache` : '';
  const label = `Embedding the pool: ${progress.loadedItems.toLocaleString()} of ${progress.itemCount.toLocaleString()} items${cached}`;
  return (
    <div className="tl-EmbeddingBar" data-testid="tl-embedding" title={label}>
      <span className="tl-EmbeddingBar-label">{label}</span>
      <div
        className="tl-EmbeddingBar-track"
        role="progressbar"
        aria-label="Embedding the pool"
        aria-valuemin={0}
        aria-valuemax={progress.itemCount}
        aria-valuenow={progress.loadedItems}
      >
        <span className="tl-EmbeddingBar-fill" style={{ width: `${100 * share}%` }} />
      </div>
    </div>
  );
}

/** Positive, negative and ignored labels as shares of one bar (Finetuner's progress bar). */
function LabelShares(props: { progress: Progress | null }): JSX.Element | null {
  const { progress } = props;
  const total = progress ? progress.positive + progress.negative + progress.ignored : 0;
  if (!progress || total === 0) {
    return null;
  }
  const label = `${progress.positive} positive, ${progress.negative} negative, ${progress.ignored} ignored`;
  return (
    <div className="tl-LabelShares" role="img" aria-label={label} title={label}>
      {(['positive', 'negative', 'ignored'] as const).map(key => (
        <span
          key={key}
          className={`tl-LabelShares-part tl-mod-${key}`}
          style={{ width: `${(100 * progress[key]) / total}%` }}
        />
      ))}
    </div>
  );
}
