import Papa from 'papaparse';
import type { ItemId } from '../../../protocol/messages';
import { badData, SidecarError } from '../../errors';
import { checkAnswer } from '../answerChecks';
import { idKey, idTyping, isItemId, showId } from '../ids';
import { checkAnswerId, describe, isIsoTime } from '../jsonFields';
import { ItemContent, LabelRecord, LabelValues } from '../labelRecord';

/**
 * One row per (answer, candidate), the long shape pandas users group and pivot. `id_type` says how to read
 * both ids of its row: "int", "str", or "json" (each id a JSON value; only for rows that mix types or hold an
 * empty-string id, which a dataset never has since its id column has one type).
 */
export const CSV_COLUMNS = [
  'answer_id',
  'query_id',
  'candidate_id',
  'label',
  'ignored',
  'annotator',
  'time',
  'model_version',
  'query_text',
  'candidate_text',
  'id_type'
] as const;

type Column = (typeof CSV_COLUMNS)[number];

/** Columns an import needs; the texts are for people and are not read back. */
const REQUIRED: readonly Column[] = CSV_COLUMNS.filter(c => c !== 'query_text' && c !== 'candidate_text');

type IdType = 'int' | 'str' | 'json';

export function writeCsv(records: readonly LabelRecord[], content: ItemContent, labels: LabelValues): string {
  const rows: string[][] = [];
  for (const r of records) {
    const relevant = new Set(r.relevantIds.map(idKey));
    const queryText = content(r.queryId)?.text ?? '';
    const common = { ignored: String(r.ignored), annotator: r.annotator, time: r.time, model: String(r.modelVersion) };
    // An answer without candidates still needs its row, or it would vanish from the file.
    const candidates: (ItemId | null)[] = r.candidateIds.length > 0 ? r.candidateIds : [null];
    for (const candidate of candidates) {
      const ids = candidate === null ? [r.queryId] : [r.queryId, candidate];
      const idType = rowIdType(ids);
      const label =
        candidate === null || r.ignored
          ? ''
          : String(relevant.has(idKey(candidate)) ? labels.positive : labels.negative);
      rows.push([
        r.answerId,
        writeId(r.queryId, idType),
        candidate === null ? '' : writeId(candidate, idType),
        label,
        common.ignored,
        common.annotator,
        common.time,
        common.model,
        queryText,
        candidate === null ? '' : (content(candidate)?.text ?? ''),
        idType
      ]);
    }
  }
  // Papa quotes a cell holding a comma, quote, \r or \n, or leading/trailing spaces; records end with \n.
  return Papa.unparse({ fields: [...CSV_COLUMNS], data: rows }, { newline: '\n' }) + '\n';
}

function rowIdType(ids: readonly ItemId[]): IdType {
  const typing = idTyping(ids);
  return typing === 'mixed' ? 'json' : typing;
}

function writeId(id: ItemId, idType: IdType): string {
  return idType === 'json' ? JSON.stringify(id) : String(id);
}

interface CsvRow {
  /** 0-based data row, as pandas numbers it. */
  row: number;
  /** 1-based line where the record starts, for messages. */
  line: number;
  cells: string[];
}

interface AnswerBuilder {
  record: LabelRecord;
  firstLine: number;
  candidates: Set<string>;
  /** The answer has its "no candidates" row. */
  empty: boolean;
}

export function readCsv(text: string, labels: LabelValues): LabelRecord[] {
  if (text.trim() === '') {
    return [];
  }
  let header: { width: number; index: Map<Column, number> } | undefined;
  const answers = new Map<string, AnswerBuilder>();
  forEachRecord(text, (cells, line, position) => {
    if (header === undefined) {
      header = { width: cells.length, index: columnIndex(cells) };
      return;
    }
    const row = position - 1;
    if (cells.length !== header.width) {
      throw badData(
        `line ${line}: not a valid CSV record: ${cells.length} fields, the header has ${header.width}`,
        row
      );
    }
    readRow({ row, line, cells }, header.index, labels, answers);
  });
  return [...answers.values()].map(a => {
    const fail = (message: string) => badData(`line ${a.firstLine}: ${message}`);
    checkAnswer(
      a.record.candidateIds,
      a.record.relevantIds,
      a.record.ignored,
      { candidates: 'candidate_id', relevant: 'label' },
      fail
    );
    return a.record;
  });
}

/** Streams records (header first) with the 1-based line each starts on, so rows are checked as they are parsed. */
function forEachRecord(text: string, visit: (cells: string[], line: number, position: number) => void): void {
  const lines = new LineCounter(text);
  let position = 0;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    skipEmptyLines: true,
    step: result => {
      const cells = result.data;
      // The cursor sits after the record's line break; quoted line breaks inside it move its start back.
      const inner = cells.reduce((n, cell) => n + countLineBreaks(cell), 0);
      const line = lines.lineOfRecordEndingAt(result.meta.cursor) - inner;
      if (result.errors.length > 0) {
        throw badData(
          `line ${line}: not a valid CSV record: ${result.errors[0].message}`,
          position > 0 ? position - 1 : undefined
        );
      }
      visit(cells, line, position++);
    }
  });
}

/** Line breaks in text[from, to): \r\n, \n and a lone \r count one each, as editors number lines. */
function countLineBreaks(text: string, from = 0, to = text.length): number {
  let breaks = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      breaks++;
    }
  }
  return breaks;
}

/** 1-based line numbers of record ends, counting line breaks once as the parser moves forward. */
class LineCounter {
  private offset = 0;
  private breaks = 0;

  constructor(private readonly text: string) {}

  lineOfRecordEndingAt(cursor: number): number {
    this.breaks += countLineBreaks(this.text, this.offset, cursor);
    this.offset = cursor;
    const last = this.text.charCodeAt(cursor - 1);
    return this.breaks + (last === 10 || last === 13 ? 0 : 1);
  }
}

function columnIndex(header: readonly string[]): Map<Column, number> {
  const index = new Map<Column, number>();
  header.forEach((name, i) => {
    const column = CSV_COLUMNS.find(c => c === name.trim());
    if (column !== undefined) {
      if (index.has(column)) {
        throw badData(`line 1: column '${column}' appears twice in the header`);
      }
      index.set(column, i);
    }
  });
  const missing = REQUIRED.filter(c => !index.has(c));
  if (missing.length > 0) {
    throw badData(
      `line 1: not a Tunelab label CSV: the header lacks ${missing.map(c => `'${c}'`).join(', ')} (expected ${CSV_COLUMNS.join(',')})`
    );
  }
  return index;
}

function readRow(row: CsvRow, index: Map<Column, number>, labels: LabelValues, answers: Map<string, AnswerBuilder>) {
  const fail = (message: string): SidecarError => badData(`line ${row.line}: ${message}`, row.row);
  const cell = (column: Column): string => row.cells[index.get(column) ?? -1] ?? '';

  const answerId = cell('answer_id');
  checkAnswerId(answerId, "'answer_id'", fail);
  const idType = cell('id_type').trim();
  if (idType !== 'int' && idType !== 'str' && idType !== 'json') {
    throw fail(`'id_type' must be int, str or json, got ${describe(idType)}`);
  }
  const queryId = readId(cell('query_id'), idType, 'query_id', fail);
  if (queryId === null) {
    throw fail(`'query_id' is empty`);
  }
  const candidate = readId(cell('candidate_id'), idType, 'candidate_id', fail);
  const ignored = readBoolean(cell('ignored'), 'ignored', fail);
  const annotator = cell('annotator');
  const time = cell('time');
  if (!isIsoTime(time)) {
    throw fail(`'time' must be an ISO-8601 date-time, got ${describe(time)}`);
  }
  const modelVersion = readCount(cell('model_version'), 'model_version', fail);
  const relevant = readLabel(cell('label'), candidate, ignored, labels, fail);

  let answer = answers.get(answerId);
  if (answer === undefined) {
    answer = {
      record: { answerId, queryId, candidateIds: [], relevantIds: [], ignored, annotator, time, modelVersion },
      firstLine: row.line,
      candidates: new Set(),
      empty: false
    };
    answers.set(answerId, answer);
  } else {
    // Rows of one answer repeat its fields; a disagreement means the file was edited inconsistently.
    const first = answer.record;
    const same = (column: Column, equal: boolean) => {
      if (!equal) {
        throw fail(`'${column}' differs from line ${answer?.firstLine} of answer ${JSON.stringify(answerId)}`);
      }
    };
    same('query_id', idKey(first.queryId) === idKey(queryId));
    same('ignored', first.ignored === ignored);
    same('annotator', first.annotator === annotator);
    same('time', first.time === time);
    same('model_version', first.modelVersion === modelVersion);
  }
  if (candidate === null) {
    if (answer.candidates.size > 0 || answer.empty) {
      throw fail(`'candidate_id' is empty, but answer ${JSON.stringify(answerId)} has other rows`);
    }
    answer.empty = true;
    return;
  }
  if (answer.empty) {
    throw fail(`answer ${JSON.stringify(answerId)} already has a row without a candidate`);
  }
  if (answer.candidates.has(idKey(candidate))) {
    throw fail(`candidate ${showId(candidate)} appears twice in answer ${JSON.stringify(answerId)}`);
  }
  answer.candidates.add(idKey(candidate));
  answer.record.candidateIds.push(candidate);
  if (relevant) {
    answer.record.relevantIds.push(candidate);
  }
}

/** An id cell read as its id_type says; null for an empty cell. */
function readId(text: string, idType: IdType, column: Column, fail: (m: string) => SidecarError): ItemId | null {
  if (text === '') {
    return null;
  }
  if (idType === 'str') {
    if (!isItemId(text)) {
      throw fail(`'${column}' is longer than an item id may be`);
    }
    return text;
  }
  if (idType === 'int') {
    const value = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value)) {
      throw fail(`'${column}' must be an integer (id_type int), got ${describe(text)}`);
    }
    return value;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail(`'${column}' must be a JSON integer or string (id_type json), got ${describe(text)}`);
  }
  if (!isItemId(value)) {
    throw fail(`'${column}' must be a JSON integer or string (id_type json), got ${describe(text)}`);
  }
  return value;
}

function readBoolean(text: string, column: Column, fail: (m: string) => SidecarError): boolean {
  // pandas writes True/False; Tunelab writes true/false.
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') {
    throw fail(`'${column}' must be true or false, got ${describe(text)}`);
  }
  return value === 'true';
}

function readCount(text: string, column: Column, fail: (m: string) => SidecarError): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw fail(`'${column}' must be a non-negative integer, got ${describe(text)}`);
  }
  return value;
}

/** Whether the row's candidate is relevant; checks the label against the row's other cells. */
function readLabel(
  text: string,
  candidate: ItemId | null,
  ignored: boolean,
  labels: LabelValues,
  fail: (m: string) => SidecarError
): boolean {
  const trimmed = text.trim();
  if (candidate === null || ignored) {
    if (trimmed !== '') {
      throw fail(
        `'label' must be empty ${ignored ? 'for a skipped answer' : 'on a row without a candidate'}, got ${describe(text)}`
      );
    }
    return false;
  }
  // pandas writes 1.0 for 1 once the column holds empty cells, so compare numbers, not text.
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (value === labels.positive) {
    return true;
  }
  if (value === labels.negative) {
    return false;
  }
  throw fail(
    `'label' must be ${labels.positive} (relevant) or ${labels.negative} (not relevant), got ${describe(text)}` +
      ' (import with the positiveLabel/negativeLabel the file was exported with)'
  );
}
