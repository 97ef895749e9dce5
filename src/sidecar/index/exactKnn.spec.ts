import { EmbeddingMatrix } from './embeddingMatrix';
import { exactTopK } from './exactKnn';

function matrixOf(rows: number[][]): EmbeddingMatrix {
  const matrix = new EmbeddingMatrix(rows[0].length, 1);
  for (const row of rows) {
    matrix.append(Float32Array.from(row));
  }
  return matrix;
}

describe('exactTopK', () => {
  const matrix = matrixOf([
    [1, 0],
    [0.6, 0.8],
    [0, 1],
    [0.8, 0.6],
    [-1, 0]
  ]);

  it('orders by descending score and excludes the query row', () => {
    const result = exactTopK(matrix, matrix.row(0), 3, 0);
    expect(result.map(n => n.row)).toEqual([3, 1, 2]);
    expect(result[0].score).toBeCloseTo(0.8, 5);
  });

  it('includes the query row when nothing is excluded, and caps at the pool size', () => {
    const result = exactTopK(matrix, matrix.row(0), 10);
    expect(result.map(n => n.row)).toEqual([0, 3, 1, 2, 4]);
  });

  it('breaks ties by lower row', () => {
    const ties = matrixOf([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0]
    ]);
    expect(exactTopK(ties, ties.row(2), 2, 2).map(n => n.row)).toEqual([0, 1]);
  });

  it('keeps rows across growth of the matrix', () => {
    const grown = new EmbeddingMatrix(2, 1);
    for (let i = 0; i < 100; i++) {
      grown.append(Float32Array.from([Math.cos(i / 10), Math.sin(i / 10)]));
    }
    expect(grown.size).toBe(100);
    expect(
      exactTopK(grown, grown.row(50), 2, 50)
        .map(n => n.row)
        .sort()
    ).toEqual([49, 51]);
  });
});
