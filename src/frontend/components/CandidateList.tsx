import React from 'react';
import type { Candidate } from '../../protocol';
import { digitForCandidate, Selection } from '../labeler/selection';
import { ExtraTag } from './ExtraTag';
import { ItemContent } from './ItemContent';

/** Text candidates of a question, numbered by the keys that toggle them (1–9, 0 for the tenth). */
export function CandidateList(props: {
  candidates: readonly Candidate[];
  selection: Selection;
  disabled: boolean;
  onToggle: (index: number) => void;
}): JSX.Element {
  const { candidates, selection, disabled, onToggle } = props;
  return (
    <ol className="tl-CandidateList" data-testid="tl-candidates" aria-label="Candidates: select the relevant ones">
      {candidates.map((candidate, index) => {
        const selected = selection.has(index);
        return (
          <li
            key={`${index}:${candidate.id}`}
            className={`tl-Candidate${selected ? ' tl-mod-selected' : ''}${candidate.extra ? ' tl-mod-extra' : ''}`}
            role="checkbox"
            aria-checked={selected}
            aria-disabled={disabled}
            data-testid="tl-candidate"
            data-index={index}
            data-selected={selected}
            data-extra={candidate.extra}
            onClick={() => !disabled && onToggle(index)}
          >
            <kbd className="tl-Candidate-key">{digitForCandidate(index)}</kbd>
            <ItemContent item={candidate} className="tl-Candidate-text" />
            {candidate.extra ? <ExtraTag extra={candidate.extra} /> : null}
            <span className="tl-Candidate-score" data-testid="tl-candidate-score" title="Similarity to the query">
              {candidate.score.toFixed(3)}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
