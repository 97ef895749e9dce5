import React from 'react';
import type { Candidate } from '../../protocol';

const TITLES: Record<NonNullable<Candidate['extra']>, string> = {
  hard: 'Extra candidate ranked just below the top-K (a likely hard negative)',
  random: 'Extra candidate drawn at random from the pool'
};

/** Marks a candidate added after the top-K: judged like the others, so only a quiet tag. */
export function ExtraTag(props: { extra: NonNullable<Candidate['extra']> }): JSX.Element {
  return (
    <span className="tl-ExtraTag" data-testid="tl-candidate-extra" title={TITLES[props.extra]}>
      {props.extra}
    </span>
  );
}
