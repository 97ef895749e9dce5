import { Float64, Int64, Table, Utf8, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { ErrorCodes } from '../../protocol/errors';
import { SidecarError } from '../errors';
import { itemsChunk } from '../testing/arrowChunks';
import { decodeTextItems } from './arrowItems';

function failure(payload: Uint8Array, maxItems = 100): SidecarError {
  try {
    decodeTextItems(payload, maxItems);
  } catch (err) {
    if (err instanceof SidecarError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected decodeTextItems to fail');
}

describe('decodeTextItems', () => {
  it('decodes int64 ids, indexes and utf8 texts', () => {
    expect(decodeTextItems(itemsChunk(['a', 'b'], 10), 100)).toEqual([
      { id: 10, index: 10, text: 'a' },
      { id: 11, index: 11, text: 'b' }
    ]);
  });

  it('decodes string ids and dictionary-encoded text (what tableFromArrays builds)', () => {
    const table = tableFromArrays({ id: ['x', 'y'], index: BigInt64Array.from([0n, 1n]), text: ['one', 'two'] });
    expect(decodeTextItems(tableToIPC(table, 'stream'), 100)).toEqual([
      { id: 'x', index: 0, text: 'one' },
      { id: 'y', index: 1, text: 'two' }
    ]);
  });

  it('reports a missing text as BadData with the row index', () => {
    const error = failure(itemsChunk(['a', null, 'c'], 40));
    expect(error.code).toBe(ErrorCodes.BadData);
    expect(error.data).toEqual({ kind: 'bad_data', row: 41 });
  });

  it('names a missing column', () => {
    const table = new Table({ id: vectorFromArray([1n], new Int64()), index: vectorFromArray([0n], new Int64()) });
    const error = failure(tableToIPC(table, 'stream'));
    expect(error.code).toBe(ErrorCodes.BadData);
    expect(error.message).toMatch(/column 'text' is missing/);
  });

  it('names a column of the wrong type', () => {
    const table = new Table({
      id: vectorFromArray([1.5], new Float64()),
      index: vectorFromArray([0n], new Int64()),
      text: vectorFromArray(['a'], new Utf8())
    });
    const error = failure(tableToIPC(table, 'stream'));
    expect(error.code).toBe(ErrorCodes.BadData);
    expect(error.message).toMatch(/column 'id' must be an integer or utf8/);
  });

  it('refuses a chunk over the item limit as invalid params', () => {
    const error = failure(itemsChunk(['a', 'b', 'c']), 2);
    expect(error.code).toBe(ErrorCodes.InvalidParams);
    expect(error.data.path).toBe('/payload');
  });

  it('refuses bytes that are not Arrow', () => {
    expect(failure(new Uint8Array([1, 2, 3, 4, 5])).code).toBe(ErrorCodes.BadData);
  });
});
