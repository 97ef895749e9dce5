import React from 'react';
import type { Prediction, Question } from '../../protocol';
import type { IAnsweredQuestion } from '../labeler/labelerController';
import { digitForCandidate, Selection } from '../labeler/selection';
import { LABELER_PANEL_CLASS } from '../tokens';
import { inlineImage, ItemImage } from './ItemImage';

/** Why the sidecar asked about this item, in classification terms. */
const STRATEGY_TITLES: Record<NonNullable<Question['strategy']>, string> = {
  uncertain: 'Asked because the model is least sure which label fits',
  diverse: 'Asked to cover a part of the pool not labelled yet',
  random: "Drawn at random: an unbiased check of the model's predictions",
  sequential: 'Next in dataset order',
  repeat: 'Asked again (keep same question)'
};

const STRATEGY_NAMES: Record<NonNullable<Question['strategy']>, string> = {
  uncertain: 'uncertain',
  diverse: 'diverse',
  random: 'random check',
  sequential: 'in order',
  repeat: 'asked again'
};

/**
 * A classification question (protocol 1.4): the item, large, then its choices as buttons numbered by
 * the keys that pick them, each with the model's score for it as a bar; the prediction comes
 * pre-selected. Each button keeps its bar's space before the model predicts, so nothing moves when
 * predictions arrive. Under review it shows the labels given, read-only.
 */
export function ClassificationQuestionView(props: {
  question: Question;
  choices: readonly string[];
  selection: Selection;
  multiLabel: boolean;
  /** Set when reviewing an answered question. */
  review: { answer: IAnsweredQuestion; position: number; count: number } | null;
  busy: boolean;
  onChoose: (index: number) => void;
}): JSX.Element {
  const { question, choices, selection, multiLabel, review, busy, onChoose } = props;
  const prediction = question.prediction ?? null;
  const disabled = busy || review !== null;
  const classes = [
    'tl-QuestionView',
    'tl-ClassificationQuestion',
    busy ? 'tl-mod-busy' : '',
    review ? 'tl-mod-review' : ''
  ];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      data-question-id={question.id}
      data-review={review !== null}
      data-task="classification"
    >
      {review ? <ClassificationReviewBanner {...review} /> : null}
      <div
        className={`tl-QuestionView-query${inlineImage(question.query) ? ' tl-mod-image' : ''}`}
        data-testid="tl-query"
        data-query-id={String(question.query.id)}
      >
        <span className="tl-QuestionView-queryLabel">Item</span>
        {inlineImage(question.query) ? (
          <ItemImage item={question.query} className="tl-QuestionView-queryImage" />
        ) : null}
        <span className="tl-QuestionView-queryText" data-testid="tl-item-text">
          {question.query.text ?? (inlineImage(question.query) ? null : `item ${question.query.id}`)}
        </span>
        <span className="tl-QuestionView-meta">
          {question.review ? (
            <span
              className="tl-QuestionView-strategy tl-mod-review"
              data-testid="tl-machine-review"
              title="This item had been auto-accepted; the sidecar asks a human to check it"
            >
              auto-accepted, check
            </span>
          ) : null}
          {question.strategy ? (
            <span
              className="tl-QuestionView-strategy"
              data-testid="tl-strategy"
              data-strategy={question.strategy}
              title={STRATEGY_TITLES[question.strategy]}
            >
              {STRATEGY_NAMES[question.strategy]}
            </span>
          ) : null}
        </span>
      </div>
      <PredictionSummary prediction={prediction} choices={choices} />
      <div
        className="tl-Choices"
        role={multiLabel ? 'group' : 'radiogroup'}
        aria-label={multiLabel ? 'Labels: toggle every one that applies' : 'Label: choose one'}
        data-testid="tl-choices"
        data-multi-label={multiLabel}
      >
        {choices.map((label, index) => (
          <ChoiceButton
            key={`${index}:${label}`}
            label={label}
            index={index}
            selected={selection.has(index)}
            predicted={prediction?.labels.includes(label) === true}
            score={prediction ? (prediction.scores[index] ?? null) : null}
            multiLabel={multiLabel}
            disabled={disabled}
            onChoose={onChoose}
          />
        ))}
      </div>
    </div>
  );
}

/** The model's guess in words: labels, certainty and version, or that it has none yet. */
function PredictionSummary(props: { prediction: Prediction | null; choices: readonly string[] }): JSX.Element {
  const { prediction } = props;
  if (!prediction) {
    return (
      <div className="tl-PredictionSummary tl-mod-none" data-testid="tl-prediction" data-has-prediction="false">
        No prediction yet: the model predicts once it has trained on answers with at least two labels.
      </div>
    );
  }
  const labels = prediction.labels.length > 0 ? prediction.labels.join(', ') : 'none of the labels';
  return (
    <div
      className="tl-PredictionSummary"
      data-testid="tl-prediction"
      data-has-prediction="true"
      data-certainty={prediction.certainty}
    >
      <span>
        Prediction <strong data-testid="tl-predicted-labels">{labels}</strong>
      </span>
      <span title="Top probability (single-label) or the least certain yes/no decision (multi-label)">
        certainty <span data-testid="tl-certainty">{formatShare(prediction.certainty)}</span>
      </span>
      <span className="tl-PredictionSummary-version" title="The model version that made this prediction">
        model v{prediction.modelVersion}
      </span>
      <span className="tl-PredictionSummary-keys" aria-hidden="true">
        <kbd>Enter</kbd> accepts
      </span>
    </div>
  );
}

function ChoiceButton(props: {
  label: string;
  index: number;
  selected: boolean;
  predicted: boolean;
  score: number | null;
  multiLabel: boolean;
  disabled: boolean;
  onChoose: (index: number) => void;
}): JSX.Element {
  const { label, index, selected, predicted, score, multiLabel, disabled, onChoose } = props;
  const key = digitForCandidate(index);
  const classes = ['tl-Choice', selected ? 'tl-mod-selected' : '', predicted ? 'tl-mod-predicted' : ''];
  const scoreText = score === null ? '' : formatShare(score);
  const description = [
    key ? `key ${key}` : '',
    score === null ? '' : `score ${scoreText}`,
    predicted ? 'predicted' : ''
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <button
      type="button"
      className={classes.filter(Boolean).join(' ')}
      role={multiLabel ? 'checkbox' : 'radio'}
      aria-checked={selected}
      aria-label={description ? `${label} (${description})` : label}
      disabled={disabled}
      data-testid="tl-choice"
      data-index={index}
      data-label={label}
      data-selected={selected}
      data-predicted={predicted}
      data-score={score ?? undefined}
      onClick={event => {
        onChoose(index);
        // Back to the panel, so Space submits and Enter accepts instead of pressing this button again.
        event.currentTarget.closest<HTMLElement>(`.${LABELER_PANEL_CLASS}`)?.focus();
      }}
    >
      <kbd className="tl-Choice-key">{key}</kbd>
      <span className="tl-Choice-label">{breakable(label)}</span>
      <span className="tl-Choice-score" data-testid="tl-choice-score">
        {scoreText}
      </span>
      <span className="tl-Choice-bar" aria-hidden="true">
        <span className="tl-Choice-barFill" style={{ width: `${100 * (score ?? 0)}%` }} />
      </span>
    </button>
  );
}

function ClassificationReviewBanner(props: {
  answer: IAnsweredQuestion;
  position: number;
  count: number;
}): JSX.Element {
  const { answer, position, count } = props;
  const labels = answer.labels ?? [];
  const given = answer.ignored
    ? 'skipped'
    : `labelled ${labels.length > 0 ? labels.join(', ') : 'none of the labels'}${answer.acceptedPrediction ? ' (prediction accepted)' : ''}`;
  return (
    <div className="tl-ReviewBanner" data-testid="tl-review" data-position={position} role="status">
      <span className="tl-ReviewBanner-title">
        Answer {position + 1} of {count} · {given}
      </span>
      <span className="tl-ReviewBanner-hint">
        read-only · <kbd>←</kbd> older · <kbd>→</kbd>{' '}
        {position + 1 === count ? 'back to the current question' : 'newer'}
      </span>
    </div>
  );
}

/**
 * A label with line-break opportunities after `_`, `/` and `-`, so names like
 * "balance_not_updated_after_bank_transfer" wrap between words in a narrow button, not mid-word.
 */
export function breakable(label: string): React.ReactNode[] {
  return label.split(/(?<=[_/-])/).map((part, index) => (
    <React.Fragment key={index}>
      {index > 0 ? <wbr /> : null}
      {part}
    </React.Fragment>
  ));
}

/** A probability as a whole percentage: 0.823 → "82%". */
export function formatShare(value: number): string {
  return `${Math.round(100 * value)}%`;
}
