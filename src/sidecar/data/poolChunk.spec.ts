import { Field, FixedSizeList, Float32, Int64, List, Table, Uint8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { ErrorCodes } from '../../protocol/errors';
import { imagesChunk, itemsChunk, vectorsChunk } from '../testing/arrowChunks';
import { decodePoolChunk, rowSizeOf } from './poolChunk';
import { sidecarErrorOf } from '../testing/sidecarErrorOf';

const VECTOR = { contentType: 'vector' as const, inputShape: [3] };
const IMAGE = { contentType: 'image' as const, inputShape: [2, 2, 1] };

/** A chunk whose `vector` column is a variable-size list, so rows can have wrong lengths. */
function ragged(rows: (number[] | null)[], firstIndex: number): Uint8Array {
  const indexes = rows.map((_, i) => BigInt(firstIndex + i));
  return tableToIPC(
    new Table({
      id: vectorFromArray(indexes, new Int64()),
      index: vectorFromArray(indexes, new Int64()),
      vector: vectorFromArray(rows, new List(new Field('item', new Float32(), true)))
    }),
    'stream'
  );
}

describe('decodePoolChunk', () => {
  it('decodes text, vector and image chunks', () => {
    expect(decodePoolChunk(itemsChunk(['a', 'b']), { contentType: 'text' }, 10).texts).toEqual(['a', 'b']);
    const vectors = decodePoolChunk(vectorsChunk(Float32Array.from([1, 2, 3, 4, 5, 6]), 3), VECTOR, 10);
    expect([...(vectors.vectors ?? [])]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(vectors.items.map(item => item.index)).toEqual([0, 1]);
    const images = decodePoolChunk(imagesChunk(Uint8Array.from([0, 1, 2, 3, 250, 251, 252, 253]), 4), IMAGE, 10);
    expect([...(images.pixels ?? [])]).toEqual([0, 1, 2, 3, 250, 251, 252, 253]);
  });

  it('names the row of a vector with the wrong length, a missing one, and NaN or infinity', () => {
    expect(
      sidecarErrorOf(() =>
        decodePoolChunk(
          ragged(
            [
              [1, 2, 3],
              [1, 2]
            ],
            40
          ),
          VECTOR,
          10
        )
      ).data
    ).toEqual({
      kind: 'bad_data',
      row: 41
    });
    expect(sidecarErrorOf(() => decodePoolChunk(ragged([null, [1, 2, 3]], 7), VECTOR, 10)).data.row).toBe(7);
    const nan = sidecarErrorOf(() =>
      decodePoolChunk(vectorsChunk(Float32Array.from([1, 2, 3, 4, NaN, 6]), 3, 20), VECTOR, 10)
    );
    expect(nan.code).toBe(ErrorCodes.BadData);
    expect(nan.data.row).toBe(21);
    expect(nan.message).toMatch(/row 21.*non-finite/);
    const inf = sidecarErrorOf(() =>
      decodePoolChunk(vectorsChunk(Float32Array.from([Infinity, 2, 3]), 3, 5), VECTOR, 10)
    );
    expect(inf.data.row).toBe(5);
  });

  it('refuses a fixed-size list whose size differs from inputShape, naming the first row', () => {
    const error = sidecarErrorOf(() => decodePoolChunk(vectorsChunk(new Float32Array(8), 4, 3), VECTOR, 10));
    expect(error.data).toEqual({ kind: 'bad_data', row: 3 });
    expect(error.message).toMatch(/holds 4 values, inputShape needs 3/);
  });

  it('refuses image rows of the wrong size and non-uint8 pixels', () => {
    expect(sidecarErrorOf(() => decodePoolChunk(imagesChunk(new Uint8Array(6), 3, 9), IMAGE, 10)).data.row).toBe(9);
    const floats = tableToIPC(
      new Table({
        id: vectorFromArray([0n], new Int64()),
        index: vectorFromArray([0n], new Int64()),
        image: vectorFromArray([[0, 1, 2, 3]], new FixedSizeList(4, new Field('item', new Float32(), true)))
      }),
      'stream'
    );
    expect(sidecarErrorOf(() => decodePoolChunk(floats, IMAGE, 10)).message).toMatch(/column 'image' must be/);
    expect(sidecarErrorOf(() => decodePoolChunk(itemsChunk(['x']), IMAGE, 10)).message).toMatch(
      /column 'image' is missing/
    );
    void Uint8;
  });

  it('needs inputShape for vectors and images (InvalidParams naming /inputShape)', () => {
    expect(sidecarErrorOf(() => rowSizeOf({ contentType: 'vector' })).data).toEqual({
      kind: 'invalid_params',
      path: '/inputShape'
    });
    expect(sidecarErrorOf(() => rowSizeOf({ contentType: 'image', inputShape: [28, 28] })).code).toBe(
      ErrorCodes.InvalidParams
    );
    expect(rowSizeOf({ contentType: 'image', inputShape: [28, 28, 3] })).toBe(2352);
  });
});
