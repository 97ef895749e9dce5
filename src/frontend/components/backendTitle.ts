import type { Progress } from '../../protocol';

/** The backend badge's tooltip: which backend trains, and why `auto` did not pick a faster one. */
export function backendTitle(progress: Pick<Progress, 'backend' | 'backendFallbackReason'>): string {
  const base = `TF.js backend of this session: ${progress.backend ?? 'not started'}`;
  return progress.backendFallbackReason ? `${base}\nNot faster because: ${progress.backendFallbackReason}` : base;
}
