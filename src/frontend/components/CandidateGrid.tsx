import React from 'react';
import { digitForCandidate } from '../labeler/selection';
import { candidateCheckboxProps, ICandidateChoiceProps } from './candidateCheckbox';
import { ExtraTag } from './ExtraTag';
import { ItemImage } from './ItemImage';

/**
 * Image candidates as a grid of thumbnails, each with the key that toggles it (1–9, 0) in
 * its corner; a selected one gets a thick accent frame, a tint and a check mark.
 */
export function CandidateGrid(props: ICandidateChoiceProps): JSX.Element {
  const { candidates, selection } = props;
  return (
    <ol className="tl-CandidateGrid" data-testid="tl-candidates" aria-label="Candidates: select the relevant ones">
      {candidates.map((candidate, index) => {
        const selected = selection.has(index);
        return (
          <li
            key={`${index}:${candidate.id}`}
            {...candidateCheckboxProps('tl-GridCandidate', candidate, index, props)}
            title={candidate.text ?? `item ${candidate.id}`}
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
