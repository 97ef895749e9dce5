import React from 'react';
import type { Progress, Task } from '../../protocol';

interface ICounter {
  key: 'done' | 'positive' | 'negative' | 'ignored' | 'machineLabels';
  label: string;
  title: string;
}

const COUNTERS: readonly ICounter[] = [
  { key: 'done', label: 'done', title: 'Questions answered (skips included)' },
  { key: 'positive', label: 'positive', title: 'Candidates marked relevant' },
  { key: 'negative', label: 'negative', title: 'Candidates left unselected in answered questions' },
  { key: 'ignored', label: 'ignored', title: 'Questions skipped' }
];

/** Classification sessions have no candidates: labelled, skipped and auto-accepted items instead. */
const CLASSIFICATION_COUNTERS: readonly ICounter[] = [
  { key: 'done', label: 'done', title: 'Items answered (skips included)' },
  { key: 'ignored', label: 'skipped', title: 'Items skipped' },
  { key: 'machineLabels', label: 'auto', title: 'Items auto-accepted by the model, kept apart until confirmed' }
];

/**
 * The done / positive / negative / ignored counts of a session. Spans, not a
 * `<dl>`: the notebook output area forces `dl`, `dt` and `dd` to block layout.
 */
export function ProgressCounters(props: { progress: Progress | null; task?: Task }): JSX.Element {
  const { progress } = props;
  const counters = props.task === 'classification' ? CLASSIFICATION_COUNTERS : COUNTERS;
  return (
    <span className="tl-ProgressCounters">
      {counters.map(({ key, label, title }) => (
        <span key={key} className={`tl-ProgressCounters-item tl-mod-${key}`} title={title}>
          <span className="tl-ProgressCounters-label">{label}</span>
          <span className="tl-ProgressCounters-value" data-testid={`tl-count-${key}`}>
            {progress ? (progress[key] ?? 0) : '–'}
          </span>
        </span>
      ))}
    </span>
  );
}
