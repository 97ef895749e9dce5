import { Data, DataType, Table, Vector, tableFromIPC } from 'apache-arrow';
import type { ContentType, Item } from '../../protocol/messages';
import { badData, invalidParams } from '../errors';

/** What a session's content looks like: the content column and, for vectors and images, the element shape. */
export interface ContentSpec {
  contentType: ContentType;
  /** [D] for vectors, [H, W, C] for images. */
  inputShape?: readonly number[];
}

/** One decoded `session/appendItems` (or `model/embed`) chunk; content arrays are row-major. */
export interface PoolChunk {
  items: Item[];
  /** contentType "text": the texts. */
  texts?: string[];
  /** contentType "vector": rows × D finite values. */
  vectors?: Float32Array;
  /** contentType "image": rows × H·W·C pixels (HWC order). */
  pixels?: Uint8Array;
}

/** Values per row for a content spec: D, or H·W·C. Throws InvalidParams naming /inputShape. */
export function rowSizeOf(spec: ContentSpec): number {
  if (spec.contentType === 'text') {
    return 0;
  }
  const shape = spec.inputShape;
  const rank = spec.contentType === 'vector' ? 1 : 3;
  if (shape === undefined) {
    throw invalidParams(
      '/inputShape',
      `contentType '${spec.contentType}' needs inputShape (${rank === 1 ? '[D]' : '[H, W, C]'})`
    );
  }
  if (shape.length !== rank) {
    throw invalidParams(
      '/inputShape',
      `contentType '${spec.contentType}' needs an inputShape of ${rank} dimension(s), got [${shape.join(', ')}]`
    );
  }
  if (spec.contentType === 'image' && ![1, 2, 3, 4].includes(shape[2])) {
    throw invalidParams('/inputShape', `images need 1 to 4 channels, got ${shape[2]}`);
  }
  return shape.reduce((product, d) => product * d, 1);
}

/**
 * Decodes an Arrow IPC chunk with columns `id`, `index` and the content column of `spec`. Throws BadData
 * naming the column, or the row (its `index`) of the first bad value; nothing of a bad chunk is kept.
 */
export function decodePoolChunk(payload: Uint8Array, spec: ContentSpec, maxItems: number): PoolChunk {
  let table: Table;
  try {
    table = tableFromIPC(payload);
  } catch (err) {
    throw badData(`payload is not an Arrow IPC stream: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (table.numRows > maxItems) {
    throw invalidParams('/payload', `chunk holds ${table.numRows} items, more than the limit of ${maxItems}`);
  }
  const ids = requireColumn(table, 'id', type => DataType.isInt(type) || isString(type), 'an integer or utf8');
  const indexes = requireColumn(table, 'index', DataType.isInt, 'an integer');
  const textColumn = table.getChild('text');
  if (spec.contentType === 'text') {
    requireColumn(table, 'text', isString, 'a utf8');
  } else if (textColumn !== null && !isString(textColumn.type)) {
    throw badData(`column 'text' must be a utf8 column, got ${String(textColumn.type)}`);
  }

  const items: Item[] = [];
  for (let position = 0; position < table.numRows; position++) {
    const index = toSafeInteger(indexes.get(position));
    if (index === undefined || index < 0) {
      throw badData(`column 'index' holds no valid row position at chunk position ${position}`);
    }
    const id = readId(ids.get(position));
    if (id === undefined) {
      throw badData(`row ${index}: 'id' is missing or not a safe integer or string`, index);
    }
    const text: unknown = textColumn?.get(position);
    if (spec.contentType === 'text' && typeof text !== 'string') {
      throw badData(`row ${index}: 'text' is missing`, index);
    }
    items.push(typeof text === 'string' ? { id, index, text } : { id, index });
  }
  if (spec.contentType === 'text') {
    return { items, texts: items.map(item => item.text as string) };
  }
  const size = rowSizeOf(spec);
  if (spec.contentType === 'vector') {
    const vectors = new Float32Array(items.length * size);
    readLists(table, 'vector', size, items, DataType.isFloat, 'a float32', vectors);
    checkFinite(vectors, size, items);
    return { items, vectors };
  }
  const pixels = new Uint8Array(items.length * size);
  readLists(
    table,
    'image',
    size,
    items,
    type => DataType.isInt(type) && type.bitWidth === 8 && !type.isSigned,
    'a uint8',
    pixels
  );
  return { items, pixels };
}

/** Copies a list column (fixed-size or variable) into `out`, checking every row holds `size` values. */
function readLists(
  table: Table,
  name: string,
  size: number,
  items: readonly Item[],
  acceptsValues: (type: DataType) => boolean,
  expected: string,
  out: Float32Array | Uint8Array
): void {
  const column = requireColumn(
    table,
    name,
    type => (DataType.isFixedSizeList(type) || DataType.isList(type)) && acceptsValues(type.children[0].type),
    `a fixed_size_list<${expected.replace(/^an? /, '')}>`
  );
  let position = 0;
  for (const data of column.data as Data[]) {
    const values = data.children[0];
    const fixed = DataType.isFixedSizeList(data.type);
    for (let i = 0; i < data.length; i++, position++) {
      const row = items[position].index;
      if (!data.getValid(i)) {
        throw badData(`row ${row}: '${name}' is missing`, row);
      }
      let start: number;
      let length: number;
      if (fixed) {
        length = (data.type as { listSize: number }).listSize;
        start = (data.offset + i) * length;
      } else {
        const offsets = data.valueOffsets as Int32Array;
        start = offsets[data.offset + i];
        length = offsets[data.offset + i + 1] - start;
      }
      if (length !== size) {
        throw badData(`row ${row}: '${name}' holds ${length} values, inputShape needs ${size}`, row);
      }
      const source = values.values as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
      out.set(source.subarray(values.offset + start, values.offset + start + length), position * size);
    }
  }
}

function checkFinite(values: Float32Array, size: number, items: readonly Item[]): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = items[Math.floor(i / size)].index;
      throw badData(`row ${row}: 'vector' holds a non-finite value (${values[i]}) at position ${i % size}`, row);
    }
  }
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
