/** A `localStorage` stand-in (jest runs in node): a map, and writes that fail on demand. */
import type { IOutboxStorage } from '../labeler/answerOutbox';

export class FakeStorage implements IOutboxStorage {
  readonly items = new Map<string, string>();
  /** When set, `setItem` throws it (a full or disabled storage). */
  failWrites: Error | null = null;

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.failWrites) {
      throw this.failWrites;
    }
    this.items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }

  /** The parsed value at `key`, or `undefined`. */
  json(key: string): unknown {
    const text = this.items.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }
}
