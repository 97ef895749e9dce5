import type { ItemId } from '../../../protocol/messages';
import { badData } from '../../errors';
import { AnswerIdRegistry, checkAnswer } from '../answerChecks';
import { idKey } from '../ids';
import { describe, FieldReader, isJsonObject, parseJson } from '../jsonFields';
import { jsonLines } from '../labelFileText';
import { ItemContent, LabelRecord, LabelValues } from '../labelRecord';

/**
 * Rows for `datasets.load_dataset("json", data_files=...)`: one answer per line, snake_case, and one Arrow
 * type per column across the file. Ids keep their JSON type when the whole file agrees on one; a file
 * mixing integer and string ids (never one session: a pool's id column has one type) writes every id as a
 * string, and reads back as strings.
 *
 * No list holds a null: pyarrow's JSON reader builds corrupt tables from lists that start with nulls, so a
 * missing text is "" and a skipped answer's labels are null as a whole.
 */
export function writeHfJsonl(records: readonly LabelRecord[], content: ItemContent, labels: LabelValues): string {
  const allIds = records.flatMap(r => [r.queryId, ...r.candidateIds]);
  const asStrings = allIds.some(i => typeof i === 'number') && allIds.some(i => typeof i === 'string');
  const id = (value: ItemId): ItemId => (asStrings ? String(value) : value);
  const labelText = labelFormatter(labels);
  return records
    .map(r => {
      const relevant = new Set(r.relevantIds.map(idKey));
      const texts = r.candidateIds.map(c => content(c)?.text);
      const head = {
        answer_id: r.answerId,
        query_id: id(r.queryId),
        query: content(r.queryId)?.text ?? null,
        candidate_ids: r.candidateIds.map(id),
        // null rather than a list of "", so a text-less dataset has no text column to speak of.
        candidates: texts.some(t => t !== undefined) ? texts.map(t => t ?? '') : null,
        relevant_ids: r.relevantIds.map(id)
      };
      // A skip says nothing about the candidates: null, never the negative label.
      const labelList = r.ignored
        ? 'null'
        : `[${r.candidateIds.map(c => labelText(relevant.has(idKey(c)) ? labels.positive : labels.negative)).join(',')}]`;
      const tail = { ignored: r.ignored, annotator: r.annotator, time: r.time, model_version: r.modelVersion };
      return `${JSON.stringify(head).slice(0, -1)},"labels":${labelList},${JSON.stringify(tail).slice(1)}\n`;
    })
    .join('');
}

/**
 * Integer labels as JSON integers; otherwise every label with a decimal point, since JSON.stringify writes
 * 1.0 as 1 and a column whose first block infers int64 cannot take a later block's doubles.
 */
function labelFormatter(labels: LabelValues): (value: number) => string {
  if (Number.isInteger(labels.positive) && Number.isInteger(labels.negative)) {
    return value => String(value);
  }
  return value => (Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(1) : String(value));
}

/**
 * `relevant_ids` is authoritative; `labels` must agree with it (one value for the relevant candidates,
 * another for the rest, null when skipped), which catches a label edited without its id list.
 * Columns a user added (datasets.map) are ignored.
 */
export function readHfJsonl(text: string): LabelRecord[] {
  const answerIds = new AnswerIdRegistry();
  return jsonLines(text).map(({ line, text: lineText }) => {
    const where = `line ${line}`;
    const row = line - 1;
    const value = parseJson(lineText, where, row);
    if (!isJsonObject(value)) {
      throw badData(`${where}: expected a JSON object (one answer per line)`, row);
    }
    const r = new FieldReader(where, value, row);
    if (!r.has('answer_id') && r.has('answerId')) {
      throw r.fail(`'answer_id' is missing (camelCase fields: is this a jsonl file?)`);
    }
    const record: LabelRecord = {
      answerId: r.answerId('answer_id'),
      queryId: r.itemId('query_id'),
      candidateIds: r.itemIds('candidate_ids'),
      relevantIds: r.itemIds('relevant_ids', 'a list of candidate ids'),
      ignored: r.boolean('ignored'),
      annotator: r.string('annotator'),
      time: r.time('time'),
      modelVersion: r.count('model_version')
    };
    const fail = (message: string) => r.fail(message);
    checkAnswer(
      record.candidateIds,
      record.relevantIds,
      record.ignored,
      { candidates: "'candidate_ids'", relevant: "'relevant_ids'" },
      fail
    );
    // Texts are not read back, so a user may drop them; present ones must still have their shape.
    if (r.has('query')) {
      r.nullableString('query');
    }
    checkTexts(r, record.candidateIds.length);
    checkLabels(r, record);
    answerIds.claim(record.answerId, where, fail);
    return record;
  });
}

function checkTexts(r: FieldReader, count: number): void {
  const texts = r.object.candidates;
  if (texts === undefined || texts === null) {
    return;
  }
  if (!Array.isArray(texts) || texts.length !== count || !texts.every(t => typeof t === 'string')) {
    throw r.fail(
      `'candidates' must be null or a list of ${count} texts aligned with 'candidate_ids', got ${describe(texts)}`
    );
  }
}

function checkLabels(r: FieldReader, record: LabelRecord): void {
  const value = r.required('labels');
  if (record.ignored) {
    if (value !== null) {
      throw r.fail(`'labels' of a skipped answer must be null, got ${describe(value)}`);
    }
    return;
  }
  const labels = r.array('labels');
  if (labels.length !== record.candidateIds.length) {
    throw r.fail(
      `'labels' must hold one label per candidate: ${labels.length} labels, ${record.candidateIds.length} candidates`
    );
  }
  const relevant = new Set(record.relevantIds.map(idKey));
  let positive: number | undefined;
  let negative: number | undefined;
  record.candidateIds.forEach((id, i) => {
    const label = labels[i];
    if (typeof label !== 'number' || !Number.isFinite(label)) {
      throw r.fail(`'labels' element ${i} must be a number, got ${describe(label)}`);
    }
    const isRelevant = relevant.has(idKey(id));
    const expected = isRelevant ? positive : negative;
    if (expected !== undefined && expected !== label) {
      throw r.fail(
        `'labels' disagree with 'relevant_ids': element ${i} is ${label}, other ${isRelevant ? 'relevant' : 'irrelevant'} candidates have ${expected}`
      );
    }
    if (isRelevant) {
      positive = label;
    } else {
      negative = label;
    }
  });
  if (positive !== undefined && positive === negative) {
    throw r.fail(`'labels' disagree with 'relevant_ids': relevant and irrelevant candidates both have ${positive}`);
  }
}
