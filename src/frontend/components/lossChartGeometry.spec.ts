import { CHART, formatElapsed, lossChartGeometry } from './lossChartGeometry';

const record = (version: number, loss: number | null, seconds: number) => ({
  version,
  loss,
  answers: version,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString(),
  trainMs: 10
});

describe('lossChartGeometry', () => {
  it('places trained versions by time and loss, leaving out versions without a loss', () => {
    const { points, minLoss, maxLoss, spanMs } = lossChartGeometry([
      record(0, null, 0),
      record(1, 0.8, 10),
      record(2, 0.4, 20)
    ]);
    expect(points.map(p => p.version)).toEqual([1, 2]);
    expect([minLoss, maxLoss, spanMs]).toEqual([0.4, 0.8, 20000]);
    expect(points[0].y).toBe(CHART.top); // highest loss on top
    expect(points[1].y).toBe(CHART.height - CHART.bottom);
    expect(points[1].x).toBe(CHART.width - CHART.right);
  });

  it('centres a single point', () => {
    const { points } = lossChartGeometry([record(0, null, 0), record(1, 0.5, 0)]);
    expect(points).toHaveLength(1);
    expect(Number.isFinite(points[0].x) && Number.isFinite(points[0].y)).toBe(true);
  });
});

describe('formatElapsed', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([formatElapsed(4000), formatElapsed(125000), formatElapsed(3720000)]).toEqual(['4s', '2m05s', '1h02m']);
  });
});
