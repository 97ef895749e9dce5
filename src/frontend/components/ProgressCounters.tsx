import React from 'react';
import type { Progress } from '../../protocol';

const COUNTERS = [
  { key: 'done', title: 'Questions answered (skips included)' },
  { key: 'positive', title: 'Candidates marked relevant' },
  { key: 'negative', title: 'Candidates left unselected in answered questions' },
  { key: 'ignored', title: 'Questions skipped' }
] as const;

/**
 * The done / positive / negative / ignored counts of a session. Spans, not a
 * `<dl>`: the notebook output area forces `dl`, `dt` and `dd` to block layout.
 */
export function ProgressCounters(props: { progress: Progress | null }): JSX.Element {
  const { progress } = props;
  return (
    <span className="tl-ProgressCounters">
      {COUNTERS.map(({ key, title }) => (
        <span key={key} className={`tl-ProgressCounters-item tl-mod-${key}`} title={title}>
          <span className="tl-ProgressCounters-label">{key}</span>
          <span className="tl-ProgressCounters-value" data-testid={`tl-count-${key}`}>
            {progress ? progress[key] : '–'}
          </span>
        </span>
      ))}
    </span>
  );
}
