import { DataType, Table, Vector, tableFromIPC } from 'apache-arrow';
import type { Item } from '../../protocol/messages';
import { badData, invalidParams } from '../errors';

/** One pool item as the sidecar keeps it: text is always present for text sessions. */
export interface TextItem extends Item {
  text: string;
}

/**
 * Decodes one `session/appendItems` chunk: an Arrow IPC stream with columns
 * `id` (integer or utf8), `index` (integer, row position in the user's data)
 * and `text` (utf8). Throws BadData naming the column, or the row (its
 * `index`) of the first bad value; no item of a bad chunk is kept.
 */
export function decodeTextItems(payload: Uint8Array, maxItems: number): TextItem[] {
  let table: Table;
  try {
    table = tableFromIPC(payload);
  } catch (err) {
    throw badData(`payload is not an Arrow IPC stream: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (table.numRows > maxItems) {
    throw invalidParams('/payload', `chunk holds ${table.numRows} items, more than the limit of ${maxItems}`);
  }
  const ids = requireColumn(table, 'id', type => isInteger(type) || isString(type), 'an integer or utf8');
  const indexes = requireColumn(table, 'index', isInteger, 'an integer');
  const texts = requireColumn(table, 'text', isString, 'a utf8');

  const items: TextItem[] = [];
  for (let position = 0; position < table.numRows; position++) {
    const index = toSafeInteger(indexes.get(position));
    if (index === undefined || index < 0) {
      throw badData(`column 'index' holds no valid row position at chunk position ${position}`);
    }
    const id = readId(ids.get(position));
    if (id === undefined) {
      throw badData(`row ${index}: 'id' is missing or not a safe integer or string`, index);
    }
    const text: unknown = texts.get(position);
    if (typeof text !== 'string') {
      throw badData(`row ${index}: 'text' is missing`, index);
    }
    items.push({ id, index, text });
  }
  return items;
}

function requireColumn(
  table: Table,
  name: string,
  accepts: (type: DataType) => boolean,
  expected: string
): Vector<DataType> {
  const column = table.getChild(name);
  if (column === null) {
    const present = table.schema.fields.map(field => field.name).join(', ') || 'none';
    throw badData(`column '${name}' is missing (columns: ${present})`);
  }
  if (!accepts(column.type)) {
    throw badData(`column '${name}' must be ${expected} column, got ${String(column.type)}`);
  }
  return column;
}

function isInteger(type: DataType): boolean {
  return DataType.isInt(type);
}

/** Plain, large and dictionary-encoded strings all read back as JS strings. */
function isString(type: DataType): boolean {
  if (DataType.isDictionary(type)) {
    return isString(type.dictionary);
  }
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
}

function toSafeInteger(value: unknown): number | undefined {
  const number = typeof value === 'bigint' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
}

function readId(value: unknown): string | number | undefined {
  if (typeof value === 'string') {
    return value.length <= 1024 ? value : undefined;
  }
  return toSafeInteger(value);
}
