import type { ItemId } from '../../protocol/messages';

/** The protocol's limit on string ids (`ItemId` in src/protocol/messages.ts). */
const MAX_STRING_ID_LENGTH = 1024;

export function isItemId(value: unknown): value is ItemId {
  return (
    (typeof value === 'string' && value.length <= MAX_STRING_ID_LENGTH) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

/** A Map/Set key that keeps 1 and "1" apart, as the pool does. */
export function idKey(id: ItemId): string {
  return typeof id === 'number' ? `i:${id}` : `s:${id}`;
}

/** An id as messages quote it: 7 or "seven". */
export function showId(id: ItemId): string {
  return JSON.stringify(id);
}

/** How the ids of a group are typed: all integers, all non-empty strings, or anything else. */
export type IdTyping = 'int' | 'str' | 'mixed';

export function idTyping(ids: Iterable<ItemId>): IdTyping {
  let ints = 0;
  let strs = 0;
  for (const id of ids) {
    if (typeof id === 'number') {
      ints++;
    } else if (id !== '') {
      strs++;
    } else {
      return 'mixed';
    }
  }
  if (ints > 0 && strs > 0) {
    return 'mixed';
  }
  return strs > 0 ? 'str' : 'int';
}
