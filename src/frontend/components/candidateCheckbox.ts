import type React from 'react';
import type { Candidate } from '../../protocol';

/** What the grid and the list both pass to their candidate components. */
export interface ICandidateChoiceProps {
  candidates: readonly Candidate[];
  selection: ReadonlySet<number>;
  disabled: boolean;
  onToggle: (index: number) => void;
}

/**
 * The attributes that make a candidate `<li>` a checkbox the annotator toggles, the same for the
 * image grid and the text list so tests and assistive technology see one shape.
 */
export function candidateCheckboxProps(
  baseClass: string,
  candidate: Candidate,
  index: number,
  { selection, disabled, onToggle }: Omit<ICandidateChoiceProps, 'candidates'>
): React.LiHTMLAttributes<HTMLLIElement> & Record<`data-${string}`, unknown> {
  const selected = selection.has(index);
  return {
    className: `${baseClass}${selected ? ' tl-mod-selected' : ''}${candidate.extra ? ' tl-mod-extra' : ''}`,
    role: 'checkbox',
    'aria-checked': selected,
    'aria-disabled': disabled,
    'data-testid': 'tl-candidate',
    'data-index': index,
    'data-selected': selected,
    'data-extra': candidate.extra,
    onClick: () => !disabled && onToggle(index)
  };
}
