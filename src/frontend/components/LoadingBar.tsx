import React from 'react';
import type { Progress } from '../../protocol';
import { ProgressBar } from './ProgressBar';

/**
 * Shown while the pool is still arriving: labeling starts before loading ends. While a sentence encoder
 * embeds the pool, the progress details' embedding bar says the same more precisely, so this one steps aside.
 */
export function LoadingBar(props: { progress: Progress | null }): JSX.Element | null {
  const { progress } = props;
  if (!progress || progress.embedding || progress.loadedItems >= progress.itemCount) {
    return null;
  }
  const label = `Loading items: ${progress.loadedItems.toLocaleString()} / ${progress.itemCount.toLocaleString()}`;
  return (
    <div className="tl-LoadingBar">
      <span className="tl-LoadingBar-label">{label}</span>
      <ProgressBar value={progress.loadedItems} max={progress.itemCount} label={label} testId="tl-loading-bar" />
    </div>
  );
}
