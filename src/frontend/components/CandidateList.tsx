import React from 'react';
import { digitForCandidate } from '../labeler/selection';
import { candidateCheckboxProps, ICandidateChoiceProps } from './candidateCheckbox';
import { ExtraTag } from './ExtraTag';
import { ItemContent } from './ItemContent';

/** Text candidates of a question, numbered by the keys that toggle them (1–9, 0 for the tenth). */
export function CandidateList(props: ICandidateChoiceProps): JSX.Element {
  return (
    <ol className="tl-CandidateList" data-testid="tl-candidates" aria-label="Candidates: select the relevant ones">
      {props.candidates.map((candidate, index) => (
        <li key={`${index}:${candidate.id}`} {...candidateCheckboxProps('tl-Candidate', candidate, index, props)}>
          <kbd className="tl-Candidate-key">{digitForCandidate(index)}</kbd>
          <ItemContent item={candidate} className="tl-Candidate-text" />
          {candidate.extra ? <ExtraTag extra={candidate.extra} /> : null}
          <span className="tl-Candidate-score" data-testid="tl-candidate-score" title="Similarity to the query">
            {candidate.score.toFixed(3)}
          </span>
        </li>
      ))}
    </ol>
  );
}
