import type { ItemId } from '../../protocol/messages';
import { badData, SidecarError } from '../errors';
import { isItemId } from './ids';

export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ISO-8601 date-time as Tunelab writes it (toISOString) and Label Studio exports it (microseconds). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

export function isIsoTime(value: string): boolean {
  return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Answer ids follow `question/answer`'s answerId: 1–128 characters. */
export const MAX_ANSWER_ID_LENGTH = 128;

/**
 * Reads typed fields of one parsed JSON object; every failure is a BadData error that names where
 * (line, task) and which field, so a user can fix the file.
 */
export class FieldReader {
  constructor(
    /** "line 3", "task 2, annotation 1" */
    readonly where: string,
    readonly object: JsonObject,
    /** 0-based record position, reported as `data.row`. */
    readonly row: number,
    /** Prefix of field names in messages, e.g. "data." */
    readonly prefix = ''
  ) {}

  fail(message: string): SidecarError {
    return badData(`${this.where}: ${message}`, this.row);
  }

  name(field: string): string {
    return `'${this.prefix}${field}'`;
  }

  has(field: string): boolean {
    return this.object[field] !== undefined;
  }

  required(field: string): unknown {
    const value = this.object[field];
    if (value === undefined) {
      throw this.fail(`${this.name(field)} is missing`);
    }
    return value;
  }

  string(field: string): string {
    const value = this.required(field);
    if (typeof value !== 'string') {
      throw this.fail(`${this.name(field)} must be a string, got ${describe(value)}`);
    }
    return value;
  }

  nullableString(field: string): string | null {
    const value = this.required(field);
    if (value !== null && typeof value !== 'string') {
      throw this.fail(`${this.name(field)} must be a string or null, got ${describe(value)}`);
    }
    return value;
  }

  boolean(field: string): boolean {
    const value = this.required(field);
    if (typeof value !== 'boolean') {
      throw this.fail(`${this.name(field)} must be true or false, got ${describe(value)}`);
    }
    return value;
  }

  /** A non-negative integer (model versions). */
  count(field: string): number {
    const value = this.required(field);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw this.fail(`${this.name(field)} must be a non-negative integer, got ${describe(value)}`);
    }
    return value;
  }

  answerId(field: string): string {
    const value = this.string(field);
    checkAnswerId(value, this.name(field), message => this.fail(message));
    return value;
  }

  time(field: string): string {
    const value = this.string(field);
    if (!isIsoTime(value)) {
      throw this.fail(`${this.name(field)} must be an ISO-8601 date-time, got ${describe(value)}`);
    }
    return value;
  }

  itemId(field: string): ItemId {
    const value = this.required(field);
    if (!isItemId(value)) {
      throw this.fail(`${this.name(field)} must be an item id (an integer or a string), got ${describe(value)}`);
    }
    return value;
  }

  itemIds(field: string, what = 'a list of item ids'): ItemId[] {
    const value = this.required(field);
    if (!Array.isArray(value)) {
      throw this.fail(`${this.name(field)} must be ${what}, got ${describe(value)}`);
    }
    const bad = value.findIndex(element => !isItemId(element));
    if (bad >= 0) {
      throw this.fail(`${this.name(field)} must be ${what}: element ${bad} is ${describe(value[bad])}`);
    }
    return value as ItemId[];
  }

  array(field: string): unknown[] {
    const value = this.required(field);
    if (!Array.isArray(value)) {
      throw this.fail(`${this.name(field)} must be a list, got ${describe(value)}`);
    }
    return value;
  }

  objectField(field: string): JsonObject {
    const value = this.required(field);
    if (!isJsonObject(value)) {
      throw this.fail(`${this.name(field)} must be a JSON object, got ${describe(value)}`);
    }
    return value;
  }
}

export function checkAnswerId(value: string, name: string, fail: (message: string) => SidecarError): void {
  if (value.length === 0 || value.length > MAX_ANSWER_ID_LENGTH) {
    throw fail(`${name} must be 1 to ${MAX_ANSWER_ID_LENGTH} characters long, got ${value.length}`);
  }
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JSON.parse with the failure turned into BadData naming where; never a bare SyntaxError. */
export function parseJson(text: string, where: string, row?: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw badData(`${where}: not valid JSON (${detail})`, row);
  }
}
