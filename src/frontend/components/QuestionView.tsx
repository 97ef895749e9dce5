import React from 'react';
import type { Question } from '../../protocol';
import type { IAnsweredQuestion } from '../labeler/labelerController';
import { Selection } from '../labeler/selection';
import { CandidateGrid } from './CandidateGrid';
import { CandidateList } from './CandidateList';
import { inlineImage, ItemImage } from './ItemImage';

const STRATEGY_TITLES: Record<NonNullable<Question['strategy']>, string> = {
  uncertain: 'Chosen because the model is unsure about this query',
  diverse: 'Chosen to cover a part of the pool not asked about yet',
  random: 'Drawn at random (keeps an unbiased sample for evaluation)',
  sequential: 'Next in dataset order',
  repeat: 'Asked again (keep same question)'
};

/**
 * One question: the query, large, then its candidates — a grid of thumbnails for images, a
 * list for text. Under review it shows the answer given, read-only. `data-question-id` names the
 * question, `data-query-id` its query item (a query asked again comes as a new question).
 */
export function QuestionView(props: {
  question: Question;
  selection: Selection;
  /** Set when reviewing an answered question. */
  review: { answer: IAnsweredQuestion; position: number; count: number } | null;
  busy: boolean;
  onToggle: (index: number) => void;
}): JSX.Element {
  const { question, selection, review, busy, onToggle } = props;
  const images = question.candidates.some(candidate => inlineImage(candidate) !== null);
  const Candidates = images ? CandidateGrid : CandidateList;
  const classes = ['tl-QuestionView', busy ? 'tl-mod-busy' : '', review ? 'tl-mod-review' : ''].filter(Boolean);
  return (
    <div className={classes.join(' ')} data-question-id={question.id} data-review={review !== null}>
      {review ? <ReviewBanner {...review} /> : null}
      <div
        className={`tl-QuestionView-query${images ? ' tl-mod-image' : ''}`}
        data-testid="tl-query"
        data-query-id={String(question.query.id)}
      >
        <span className="tl-QuestionView-queryLabel">Query</span>
        {inlineImage(question.query) ? (
          <ItemImage item={question.query} className="tl-QuestionView-queryImage" />
        ) : null}
        <span className="tl-QuestionView-queryText">
          {question.query.text ?? (inlineImage(question.query) ? null : `item ${question.query.id}`)}
        </span>
        <span className="tl-QuestionView-meta">
          <span title="Version of the model whose embeddings chose these candidates" data-testid="tl-question-version">
            v{question.modelVersion}
          </span>
          {question.strategy ? (
            <span
              className="tl-QuestionView-strategy"
              data-testid="tl-strategy"
              data-strategy={question.strategy}
              title={STRATEGY_TITLES[question.strategy]}
            >
              {question.strategy}
            </span>
          ) : null}
        </span>
      </div>
      <Candidates
        candidates={question.candidates}
        selection={selection}
        disabled={busy || review !== null}
        onToggle={onToggle}
      />
    </div>
  );
}

function ReviewBanner(props: { answer: IAnsweredQuestion; position: number; count: number }): JSX.Element {
  const { answer, position, count } = props;
  const given = answer.ignored
    ? 'skipped'
    : `${answer.selection.size} of ${answer.question.candidates.length} marked relevant`;
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
