import { badData } from '../../errors';
import { AnswerIdRegistry, checkAnswer } from '../answerChecks';
import { FieldReader, isJsonObject, parseJson } from '../jsonFields';
import { jsonLines } from '../labelFileText';
import { LabelRecord } from '../labelRecord';

/** Tunelab's own lossless format: one LabelRecord per line, camelCase, nothing else. */
const FIELDS: readonly (keyof LabelRecord)[] = [
  'answerId',
  'queryId',
  'candidateIds',
  'relevantIds',
  'ignored',
  'annotator',
  'time',
  'modelVersion'
];

export function writeJsonl(records: readonly LabelRecord[]): string {
  // Fixed key order, so files diff cleanly and do not depend on how records were built.
  return records.map(r => JSON.stringify(Object.fromEntries(FIELDS.map(f => [f, r[f]]))) + '\n').join('');
}

export function readJsonl(text: string): LabelRecord[] {
  const answerIds = new AnswerIdRegistry();
  return jsonLines(text).map(({ line, text: lineText }) => {
    const where = `line ${line}`;
    const row = line - 1;
    const value = parseJson(lineText, where, row);
    if (!isJsonObject(value)) {
      throw badData(`${where}: expected a JSON object (one answer per line)`, row);
    }
    const r = new FieldReader(where, value, row);
    for (const key of Object.keys(value)) {
      if (!(FIELDS as readonly string[]).includes(key)) {
        const hint = key.includes('_') ? ' (snake_case columns: is this an hf-jsonl file?)' : '';
        throw r.fail(`unknown field '${key}'${hint}`);
      }
    }
    const record: LabelRecord = {
      answerId: r.answerId('answerId'),
      queryId: r.itemId('queryId'),
      candidateIds: r.itemIds('candidateIds'),
      relevantIds: r.itemIds('relevantIds', 'a list of candidate ids'),
      ignored: r.boolean('ignored'),
      annotator: r.string('annotator'),
      time: r.time('time'),
      modelVersion: r.count('modelVersion')
    };
    const fail = (message: string) => r.fail(message);
    checkAnswer(
      record.candidateIds,
      record.relevantIds,
      record.ignored,
      { candidates: "'candidateIds'", relevant: "'relevantIds'" },
      fail
    );
    answerIds.claim(record.answerId, where, fail);
    return record;
  });
}
