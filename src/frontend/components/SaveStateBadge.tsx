import React from 'react';
import type { ISaveState } from '../labeler/saveState';

/**
 * Where the panel's answers are, in the header: `data-state` is idle | saving | saved | queued | error,
 * `data-pending` the answers not acknowledged yet; the full explanation is the tooltip.
 */
export function SaveStateBadge(props: { save: ISaveState }): JSX.Element {
  const { save } = props;
  return (
    <span
      className="tl-LabelerPanel-saveState"
      data-testid="tl-save-state"
      data-state={save.state}
      data-pending={save.pending}
      title={save.detail ?? save.label}
      aria-live="polite"
    >
      {save.label}
    </span>
  );
}
