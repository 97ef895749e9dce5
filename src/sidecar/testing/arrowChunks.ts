import { Field, FixedSizeList, Float32, Int64, Table, Uint8, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';

/** Test helper: one `session/appendItems` payload as the kernel would send it (plain utf8 + int64 columns). */
export function itemsChunk(
  texts: readonly (string | null)[],
  firstIndex = 0,
  ids?: readonly (string | number)[]
): Uint8Array {
  const indexes = texts.map((_, i) => BigInt(firstIndex + i));
  const idColumn =
    ids !== undefined && typeof ids[0] === 'string'
      ? vectorFromArray(ids as string[], new Utf8())
      : vectorFromArray(
          (ids ?? indexes.map(Number)).map(id => BigInt(id)),
          new Int64()
        );
  const table = new Table({
    id: idColumn,
    index: vectorFromArray(indexes, new Int64()),
    text: vectorFromArray([...texts], new Utf8())
  });
  return tableToIPC(table, 'stream');
}

/** Test helper: a vector chunk (`vector`: fixed_size_list<float32>[dim]) with int64 ids = row positions. */
export function vectorsChunk(rows: Float32Array, dim: number, firstIndex = 0): Uint8Array {
  const n = rows.length / dim;
  return listChunk('vector', new Float32(), dim, n, firstIndex, i => Array.from(rows.subarray(i * dim, (i + 1) * dim)));
}

/** Test helper: an image chunk (`image`: fixed_size_list<uint8>[H·W·C]). */
export function imagesChunk(pixels: Uint8Array, size: number, firstIndex = 0): Uint8Array {
  const n = pixels.length / size;
  return listChunk('image', new Uint8(), size, n, firstIndex, i =>
    Array.from(pixels.subarray(i * size, (i + 1) * size))
  );
}

function listChunk(
  name: string,
  valueType: Float32 | Uint8,
  size: number,
  n: number,
  firstIndex: number,
  row: (i: number) => (number | null)[] | null
): Uint8Array {
  const indexes = Array.from({ length: n }, (_, i) => BigInt(firstIndex + i));
  const table = new Table({
    id: vectorFromArray(indexes, new Int64()),
    index: vectorFromArray(indexes, new Int64()),
    [name]: vectorFromArray(
      Array.from({ length: n }, (_, i) => row(i)),
      new FixedSizeList(size, new Field('item', valueType, true))
    )
  });
  return tableToIPC(table, 'stream');
}
