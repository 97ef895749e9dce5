import type { ItemId } from '../../../protocol/messages';
import { badData } from '../../errors';
import { AnswerIdRegistry, checkAnswer } from '../answerChecks';
import { idKey, showId } from '../ids';
import { describe, FieldReader, isJsonObject, JsonObject, parseJson } from '../jsonFields';
import { ItemContent, LabelRecord } from '../labelRecord';

/** Names the labeling config in docs/label-files.md gives its tags. */
export const FROM_NAME = 'relevant';
export const TO_NAME = 'query';

/** A dynamic <Choice> (Label Studio spreads these keys onto the tag, so no `id`: it is the tag's identifier). */
interface ChoiceOption {
  value: string;
  html?: string;
}

/**
 * One Label Studio task per answer. `data.candidates` feeds `<Choices value="$candidates">`; choices are
 * strings, so `data.candidate_ids` keeps the ids with their JSON types to map chosen strings back. The
 * answer's own fields live in `data` because Label Studio re-owns imported annotations: it drops unknown
 * annotation keys and refuses a `completed_by` email that is not one of its users.
 */
export function writeLabelStudio(records: readonly LabelRecord[], content: ItemContent): string {
  const tasks = records.map((r, i) => {
    const candidates: ChoiceOption[] = r.candidateIds.map(id => {
      const text = content(id)?.text;
      return text === undefined ? { value: String(id) } : { value: String(id), html: escapeHtml(text) };
    });
    return {
      id: i + 1,
      data: {
        // <Text value="$query"> needs a value; an item without text (vectors, images) shows its id.
        query: content(r.queryId)?.text ?? `item ${String(r.queryId)}`,
        query_id: r.queryId,
        candidates,
        candidate_ids: r.candidateIds,
        answer_id: r.answerId,
        annotator: r.annotator,
        time: r.time,
        model_version: r.modelVersion
      },
      annotations: [
        {
          id: i + 1,
          created_at: r.time,
          updated_at: r.time,
          was_cancelled: r.ignored,
          ground_truth: false,
          result:
            r.relevantIds.length === 0
              ? []
              : [
                  {
                    id: FROM_NAME,
                    from_name: FROM_NAME,
                    to_name: TO_NAME,
                    type: 'choices',
                    origin: 'manual',
                    value: { choices: r.relevantIds.map(id => String(id)) }
                  }
                ]
        }
      ]
    };
  });
  // One task per line inside the array: still one JSON document, but readable and diffable.
  return tasks.length === 0 ? '[]\n' : `[\n${tasks.map(t => JSON.stringify(t)).join(',\n')}\n]\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/**
 * Tasks as Tunelab writes them or as Label Studio exports them back ("JSON" export): every annotation of a
 * task is an answer. The task's first annotation is the Tunelab answer named by `data.answer_id` (annotator
 * and time from `data` when present); others get `ls-<task id>-<annotation id>` and their `completed_by`
 * and `created_at`. Tasks without annotations are skipped.
 */
export function readLabelStudio(text: string): LabelRecord[] {
  if (text.trim() === '') {
    return [];
  }
  const parsed = parseJson(text, 'not a Label Studio export');
  if (!Array.isArray(parsed)) {
    throw badData('not a Label Studio export: expected a JSON array of tasks');
  }
  const answerIds = new AnswerIdRegistry();
  const records: LabelRecord[] = [];
  parsed.forEach((task: unknown, position) => {
    const where = `task ${position + 1}`;
    if (!isJsonObject(task)) {
      throw badData(`${where}: expected a JSON object (a Label Studio task), got ${describe(task)}`, position);
    }
    const taskReader = new FieldReader(where + taskIdSuffix(task), task, position);
    if (!taskReader.has('annotations')) {
      return;
    }
    const annotations = taskReader.array('annotations');
    if (annotations.length === 0) {
      return;
    }
    const data = new FieldReader(taskReader.where, taskReader.objectField('data'), position, 'data.');
    const question = readQuestion(data);
    annotations.forEach((annotation: unknown, k) => {
      const annWhere = `${taskReader.where}, annotation ${k + 1}`;
      if (!isJsonObject(annotation)) {
        throw badData(`${annWhere}: expected a JSON object, got ${describe(annotation)}`, position);
      }
      const ann = new FieldReader(annWhere, annotation, position);
      const tunelab = k === 0 && data.has('answer_id');
      const answerId = tunelab ? data.answerId('answer_id') : derivedAnswerId(task, annotation, k, ann);
      const ignored = ann.has('was_cancelled') ? ann.boolean('was_cancelled') : false;
      const record: LabelRecord = {
        answerId,
        queryId: question.queryId,
        candidateIds: [...question.candidateIds],
        // Label Studio may keep choices on a skipped annotation; a skip carries no relevance.
        relevantIds: ignored ? [] : readChoices(ann, question.byChoice),
        ignored,
        annotator: tunelab && data.has('annotator') ? data.string('annotator') : readCompletedBy(ann),
        time: tunelab && data.has('time') ? data.time('time') : ann.time('created_at'),
        modelVersion: question.modelVersion
      };
      const fail = (message: string) => ann.fail(message);
      checkAnswer(
        record.candidateIds,
        record.relevantIds,
        ignored,
        { candidates: "'data.candidate_ids'", relevant: 'choices' },
        fail
      );
      answerIds.claim(record.answerId, annWhere, fail);
      records.push(record);
    });
  });
  return records;
}

function taskIdSuffix(task: JsonObject): string {
  const id = task.id;
  return typeof id === 'number' || typeof id === 'string' ? ` (id ${String(id)})` : '';
}

interface Question {
  queryId: ItemId;
  candidateIds: ItemId[];
  modelVersion: number;
  /** Choice string → candidate id with its original type. */
  byChoice: Map<string, ItemId>;
}

function readQuestion(data: FieldReader): Question {
  const queryId = data.itemId('query_id');
  const candidateIds = data.itemIds('candidate_ids');
  const modelVersion = data.count('model_version');
  const byChoice = new Map<string, ItemId>();
  for (const id of candidateIds) {
    const other = byChoice.get(String(id));
    if (other !== undefined && idKey(other) !== idKey(id)) {
      throw data.fail(
        `candidates ${showId(other)} and ${showId(id)} have the same choice value ${JSON.stringify(String(id))}`
      );
    }
    byChoice.set(String(id), id);
  }
  if (data.has('candidates')) {
    // The options shown in Label Studio must be the ids we map back through, in the same order.
    const options = data.array('candidates');
    if (options.length !== candidateIds.length) {
      throw data.fail(
        `'data.candidates' has ${options.length} options, 'data.candidate_ids' ${candidateIds.length} ids`
      );
    }
    options.forEach((option: unknown, i) => {
      const value = isJsonObject(option) ? option.value : undefined;
      if (value !== String(candidateIds[i])) {
        throw data.fail(
          `'data.candidates' option ${i} must have value ${JSON.stringify(String(candidateIds[i]))}, got ${describe(value)}`
        );
      }
    });
  }
  return { queryId, candidateIds, modelVersion, byChoice };
}

function derivedAnswerId(task: JsonObject, annotation: JsonObject, k: number, ann: FieldReader): string {
  const taskId = task.id;
  if (typeof taskId !== 'number' && typeof taskId !== 'string') {
    throw ann.fail(`the task needs an 'id' (or 'data.answer_id') to name this answer`);
  }
  const annotationId = typeof annotation.id === 'number' || typeof annotation.id === 'string' ? annotation.id : k + 1;
  return `ls-${String(taskId)}-${String(annotationId)}`;
}

/** Relevant ids from the annotation's `relevant` choices, in the order chosen. */
function readChoices(ann: FieldReader, byChoice: Map<string, ItemId>): ItemId[] {
  const relevant: ItemId[] = [];
  const seen = new Set<string>();
  ann.array('result').forEach((item: unknown, i) => {
    if (!isJsonObject(item) || item.type !== 'choices') {
      // Other controls a user added to the labeling config carry no relevance.
      return;
    }
    const result = new FieldReader(ann.where, item, ann.row, `result[${i}].`);
    const fromName = result.string('from_name');
    if (fromName !== FROM_NAME) {
      throw result.fail(
        `choices from '${fromName}': expected from_name '${FROM_NAME}' (see the labeling config in docs/label-files.md)`
      );
    }
    const value = result.objectField('value');
    const choices = value.choices;
    if (!Array.isArray(choices)) {
      throw result.fail(`'result[${i}].value.choices' must be a list of candidate ids, got ${describe(choices)}`);
    }
    for (const choice of choices) {
      if (typeof choice !== 'string') {
        throw result.fail(`choice ${describe(choice)} is not a string (nested choices are not supported)`);
      }
      const id = byChoice.get(choice);
      if (id === undefined) {
        throw result.fail(`choice ${JSON.stringify(choice)} is not one of its candidates`);
      }
      if (!seen.has(idKey(id))) {
        seen.add(idKey(id));
        relevant.push(id);
      }
    }
  });
  return relevant;
}

/** Label Studio exports `completed_by` as a user object (email), older versions and the API as a user id. */
function readCompletedBy(ann: FieldReader): string {
  const value = ann.required('completed_by');
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return `ls-user-${value}`;
  }
  if (isJsonObject(value)) {
    if (typeof value.email === 'string' && value.email !== '') {
      return value.email;
    }
    if (typeof value.id === 'number' || typeof value.id === 'string') {
      return `ls-user-${String(value.id)}`;
    }
  }
  throw ann.fail(`'completed_by' must be a user id or a user object with an email, got ${describe(value)}`);
}
