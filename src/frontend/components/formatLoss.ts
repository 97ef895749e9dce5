/** A loss for people: 3 significant digits, exponent notation when tiny or huge. */
export function formatLoss(loss: number): string {
  const size = Math.abs(loss);
  return size >= 1000 || (size !== 0 && size < 0.001) ? loss.toExponential(2) : loss.toPrecision(3);
}
