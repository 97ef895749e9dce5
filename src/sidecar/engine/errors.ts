/**
 * Errors raised by the training engine. Each carries a machine-readable `kind`
 * so the session layer can map it onto a protocol error without parsing text.
 */
export type EngineErrorKind =
  | 'bad_input'
  | 'bad_data'
  | 'shape_mismatch'
  | 'unknown_layer'
  | 'bad_config'
  | 'backend_unavailable'
  | 'io'
  | 'not_ready';

export class EngineError extends Error {
  override name = 'EngineError';

  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly details: { row?: number; column?: number; expected?: unknown; actual?: unknown } = {}
  ) {
    super(message);
  }
}

/** Throws if `n` is not a positive integer; `what` names the parameter in the message. */
export function assertPositiveInt(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
    throw new EngineError('bad_config', `${what} must be a positive integer, got ${String(n)}`, { actual: n });
  }
}

/**
 * Throws a `bad_data` error naming the first row (and column) holding NaN or ±Infinity.
 * `rows` holds `rows.length / dim` rows of `dim` values each.
 */
/**
 * Checks featurized rows for a model taking `rowSize` values per row (input shape `rowShape`): a
 * Float32Array, a whole number of rows, every value finite. Returns `rows`. Shared by the trainers.
 */
export function checkFeatureRows(
  rows: Float32Array,
  rowSize: number,
  rowShape: readonly number[],
  what: string
): Float32Array {
  if (!(rows instanceof Float32Array)) {
    throw new EngineError('bad_input', `${what} must be a Float32Array`);
  }
  if (rows.length % rowSize !== 0) {
    throw new EngineError(
      'shape_mismatch',
      `${what} shape mismatch: the model expects rows of ${rowSize} values (input shape [${rowShape.join(', ')}]), ` +
        `but ${rows.length} values are not a whole number of such rows`,
      { expected: [...rowShape], actual: rows.length }
    );
  }
  assertFiniteRows(rows, rowSize, what);
  return rows;
}

export function assertFiniteRows(rows: Float32Array, dim: number, what = 'input'): void {
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i];
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / dim);
      const column = i % dim;
      throw new EngineError('bad_data', `${what} row ${row} has a non-finite value (${v}) at column ${column}`, {
        row,
        column
      });
    }
  }
}
