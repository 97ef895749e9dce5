import React from 'react';

/** A thin themed bar for `value` out of `max`, with its label for screen readers. */
export function ProgressBar(props: { value: number; max: number; label: string; testId?: string }): JSX.Element {
  const { value, max, label, testId } = props;
  const percent = max > 0 ? Math.min(100, (100 * value) / max) : 0;
  return (
    <div
      className="tl-ProgressBar"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      title={label}
      data-testid={testId}
    >
      <div className="tl-ProgressBar-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
