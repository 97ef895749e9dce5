/**
 * The pool's vectors as one growable row-major Float32Array, so a scan over
 * all items is a tight loop over contiguous memory.
 */
export class EmbeddingMatrix {
  private data: Float32Array;
  private rows = 0;

  constructor(
    readonly dim: number,
    initialRows = 1024
  ) {
    this.data = new Float32Array(initialRows * dim);
  }

  /** A matrix over `rows` rows already laid out row-major in `data` (not copied: the caller hands it over). */
  static wrap(dim: number, data: Float32Array, rows: number): EmbeddingMatrix {
    if (data.length < rows * dim) {
      throw new Error(`${data.length} floats hold fewer than ${rows} rows of ${dim}`);
    }
    const matrix = new EmbeddingMatrix(dim, 0);
    matrix.data = data;
    matrix.rows = rows;
    return matrix;
  }

  get size(): number {
    return this.rows;
  }

  /** Appends rows given as one row-major block whose length is a multiple of `dim`. */
  append(block: Float32Array): void {
    if (block.length % this.dim !== 0) {
      throw new Error(`block of ${block.length} floats is not a whole number of ${this.dim}-dim rows`);
    }
    const needed = this.rows * this.dim + block.length;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(needed, this.data.length * 2));
      grown.set(this.data.subarray(0, this.rows * this.dim));
      this.data = grown;
    }
    this.data.set(block, this.rows * this.dim);
    this.rows += block.length / this.dim;
  }

  /** A view of one row; valid until the next append. */
  row(index: number): Float32Array {
    if (index < 0 || index >= this.rows) {
      throw new RangeError(`row ${index} out of range 0..${this.rows - 1}`);
    }
    return this.data.subarray(index * this.dim, (index + 1) * this.dim);
  }

  /** All rows as one view; valid until the next append. */
  view(): Float32Array {
    return this.data.subarray(0, this.rows * this.dim);
  }
}
