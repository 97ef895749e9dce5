import type { ModelVersionRecord } from '../../protocol';

/** Drawing area of the loss chart, in SVG user units. */
export const CHART = { width: 260, height: 130, left: 40, right: 10, top: 16, bottom: 30 } as const;

export interface IChartPoint {
  version: number;
  loss: number;
  /** Milliseconds since the first record (the session's model v0). */
  elapsedMs: number;
  x: number;
  y: number;
}

export interface IChartGeometry {
  points: IChartPoint[];
  minLoss: number;
  maxLoss: number;
  spanMs: number;
}

/**
 * Where each trained version goes: x by time since the first record, y by loss (top = highest).
 * Versions without a loss (v0, fixed models) are left out. A single point sits in the middle.
 */
export function lossChartGeometry(versions: readonly ModelVersionRecord[]): IChartGeometry {
  const start = versions.length > 0 ? Math.min(...versions.map(v => Date.parse(v.time))) : 0;
  const trained = versions.filter(
    (v): v is ModelVersionRecord & { loss: number } => typeof v.loss === 'number' && Number.isFinite(v.loss)
  );
  const losses = trained.map(v => v.loss);
  const minLoss = losses.length ? Math.min(...losses) : 0;
  const maxLoss = losses.length ? Math.max(...losses) : 0;
  const elapsed = trained.map(v => Math.max(0, Date.parse(v.time) - start) || 0);
  const spanMs = elapsed.length ? Math.max(...elapsed) : 0;
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const points = trained.map((v, i) => ({
    version: v.version,
    loss: v.loss,
    elapsedMs: elapsed[i],
    x: CHART.left + (spanMs > 0 ? (elapsed[i] / spanMs) * plotWidth : plotWidth / 2),
    y: CHART.top + (maxLoss > minLoss ? ((maxLoss - v.loss) / (maxLoss - minLoss)) * plotHeight : plotHeight / 2)
  }));
  return { points, minLoss, maxLoss, spanMs };
}

/** A duration for an axis label: 45s, 2m05s, 1h02m. */
export function formatElapsed(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
