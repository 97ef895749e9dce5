import React from 'react';
import type { Candidate } from '../../protocol';
import { digitForCandidate, Selection } from '../labeler/selection';
import { ExtraTag } from './ExtraTag';
import { ItemImage } from './ItemImage';

/**
 * Image candidates as a grid of thumbnails, each with the key that toggles it (1–9, 0) in
 * its corner; a selected one gets a thick accent frame, a tint and a check mark.
 */
export function CandidateGrid(props: {
  candidates: readonly Candidate[];
  selection: Selection;
  disabled: boolean;
  onToggle: (index: number) => void;
}): JSX.Element {
  const { candidates, selection, disabled, onToggle } = props;
  return (
    <ol className="tl-CandidateGrid" data-testid="tl-candidates" aria-label="Candidates: select the relevant ones">
      {candidates.map((candidate, index) => {
        const selected = selection.has(index);
        return (
          <li
            key={`${index}:${candidate.id}`}
            className={`tl-GridCandidate${selected ? ' tl-mod-selected' : ''}${candidate.extra ? ' tl-mod-extra' : ''}`}
            role="checkbox"
            aria-checked={selected}
            aria-disabled={disabled}
            data-testid="tl-candidate"
            data-index={index}
            data-selected={selected}
            data-extra={candidate.extra}
            title={candidate.text ?? `item ${candidate.id}`}
            onClick={() => !disabled && onToggle(index)}
          >
            <ItemImage item={candidate} className="tl-GridCandidate-image" />
            <kbd className="tl-GridCandidate-key">{digitForCandidate(index)}</kbd>
            {selected ? (
              <span className="tl-GridCandidate-check" aria-hidden="true">
                ✓
              </span>
            ) : null}
            <span className="tl-GridCandidate-footer">
              {candidate.extra ? <ExtraTag extra={candidate.extra} /> : null}
              <span className="tl-Candidate-score" data-testid="tl-candidate-score" title="Similarity to the query">
                {candidate.score.toFixed(3)}
              </span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}
