import React from 'react';
import type { ModelVersionRecord } from '../../protocol';
import { formatLoss } from './formatLoss';
import { CHART, formatElapsed, lossChartGeometry } from './lossChartGeometry';

/** Past this many points only every n-th version is labeled, so labels do not overlap. */
const MAX_VERSION_LABELS = 8;

/**
 * Training loss of each model version over time since the session started, drawn as SVG in
 * the theme's colors (classes styled in base.css). Each point is labeled with its version.
 */
export function LossChart(props: { versions: readonly ModelVersionRecord[] }): JSX.Element {
  const { points, minLoss, maxLoss, spanMs } = lossChartGeometry(props.versions);
  const latest = props.versions.length ? props.versions[props.versions.length - 1] : null;
  const labelEvery = Math.ceil(points.length / MAX_VERSION_LABELS);
  const bottom = CHART.height - CHART.bottom;
  const right = CHART.width - CHART.right;
  const description = points.length
    ? `Training loss of ${points.length} model versions, latest v${latest?.version} at ${formatLoss(points[points.length - 1].loss)}`
    : 'No training round yet';
  return (
    <figure className="tl-LossChart" data-testid="tl-loss-chart" data-points={points.length}>
      <svg
        className="tl-LossChart-svg"
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        role="img"
        aria-label={description}
        preserveAspectRatio="xMidYMid meet"
      >
        <title>{description}</title>
        <line className="tl-LossChart-axis" x1={CHART.left} y1={CHART.top} x2={CHART.left} y2={bottom} />
        <line className="tl-LossChart-axis" x1={CHART.left} y1={bottom} x2={right} y2={bottom} />
        <text className="tl-LossChart-axisLabel" transform={`translate(10 ${(CHART.top + bottom) / 2}) rotate(-90)`}>
          loss
        </text>
        <text className="tl-LossChart-axisLabel" x={(CHART.left + right) / 2} y={CHART.height - 4}>
          time since start
        </text>
        {points.length ? (
          <>
            <text className="tl-LossChart-tick tl-mod-y" x={CHART.left - 4} y={CHART.top + 4}>
              {formatLoss(maxLoss)}
            </text>
            {maxLoss > minLoss ? (
              <text className="tl-LossChart-tick tl-mod-y" x={CHART.left - 4} y={bottom}>
                {formatLoss(minLoss)}
              </text>
            ) : null}
            <text className="tl-LossChart-tick tl-mod-xStart" x={CHART.left} y={bottom + 12}>
              0s
            </text>
            {spanMs > 0 ? (
              <text className="tl-LossChart-tick tl-mod-xEnd" x={right} y={bottom + 12}>
                {formatElapsed(spanMs)}
              </text>
            ) : null}
            <polyline className="tl-LossChart-line" points={points.map(p => `${p.x},${p.y}`).join(' ')} />
            {points.map((p, i) => (
              <g key={p.version} data-testid="tl-loss-point" data-version={p.version} data-loss={p.loss}>
                <circle className="tl-LossChart-point" cx={p.x} cy={p.y} r={3}>
                  <title>{`v${p.version}: loss ${formatLoss(p.loss)} after ${formatElapsed(p.elapsedMs)}`}</title>
                </circle>
                {i % labelEvery === labelEvery - 1 || i === points.length - 1 ? (
                  <text className="tl-LossChart-version" x={p.x} y={p.y - 6}>
                    v{p.version}
                  </text>
                ) : null}
              </g>
            ))}
          </>
        ) : (
          <text className="tl-LossChart-empty" x={(CHART.left + right) / 2} y={(CHART.top + bottom) / 2}>
            no training round yet
          </text>
        )}
      </svg>
      <figcaption className="tl-LossChart-caption">
        Training loss by model version
        {latest ? ` · latest v${latest.version}${latest.trainMs ? ` (${Math.round(latest.trainMs)} ms)` : ''}` : ''}
      </figcaption>
    </figure>
  );
}
