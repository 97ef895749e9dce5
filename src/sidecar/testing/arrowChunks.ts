import { Int64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';

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
