import type { ParamsOf, SessionInfo } from '../../protocol';
import { Requests, validate } from '../../protocol';

/** The options `session/configure` changes (everything but the session id). */
export type SessionOptions = Omit<ParamsOf<'configure'>, 'sessionId'>;
export type SessionOptionKey = keyof SessionOptions;

/** How an option is edited: its input and how its text becomes a value. */
export interface IOptionField {
  readonly key: SessionOptionKey;
  readonly label: string;
  readonly help: string;
  readonly kind: 'integer' | 'number' | 'boolean' | 'choice' | 'text';
  readonly choices?: readonly string[];
  /** Inputs' `step` for numbers. */
  readonly step?: number;
}

/** The control panel's editable options (Finetuner's "View" section). */
export const CONTROL_FIELDS: readonly IOptionField[] = [
  {
    key: 'questionsPerRound',
    label: 'Questions per round',
    help: 'Questions asked per labeling round',
    kind: 'integer'
  },
  { key: 'topK', label: 'Top-K', help: 'Candidates per question (1–50)', kind: 'integer' },
  {
    key: 'startQuestion',
    label: 'Start question',
    help: 'Index (in your data) of the item to ask about next; labeling goes on from there',
    kind: 'integer'
  },
  {
    key: 'keepSameQuestion',
    label: 'Keep same question',
    help: 'Ask labeled queries again, to watch how the model changes on them',
    kind: 'boolean'
  }
];

/** The advanced section: labels, training and query options. */
export const ADVANCED_FIELDS: readonly IOptionField[] = [
  { key: 'positiveLabel', label: 'Positive label', help: 'Value exported for relevant candidates', kind: 'number' },
  {
    key: 'negativeLabel',
    label: 'Negative label',
    help: 'Value exported for candidates left unselected',
    kind: 'number'
  },
  { key: 'epochs', label: 'Epochs', help: 'Epochs per training round (1–1000)', kind: 'integer' },
  {
    key: 'matchPoolSize',
    label: 'Match pool size',
    help: 'Items considered as candidates; 0 = the whole pool',
    kind: 'integer'
  },
  { key: 'learningRate', label: 'Learning rate', help: "Adam's learning rate (0–1]", kind: 'number', step: 0.0001 },
  { key: 'updateEvery', label: 'Update every', help: 'Train after every N answers', kind: 'integer' },
  { key: 'batchSize', label: 'Batch size', help: 'Pairs per training step (2–4096)', kind: 'integer' },
  { key: 'loss', label: 'Loss', help: 'Training loss', kind: 'choice', choices: ['cosine', 'triplet', 'infonce'] },
  { key: 'margin', label: 'Margin', help: 'Margin of the loss (0–2)', kind: 'number', step: 0.05 },
  {
    key: 'queryOrder',
    label: 'Query order',
    help: 'active: uncertain and diverse queries plus a random share; or random / dataset order',
    kind: 'choice',
    choices: ['active', 'random', 'sequential']
  },
  {
    key: 'randomShare',
    label: 'Random share',
    help: 'Share of active-learning queries drawn at random (0–1), for unbiased evaluation',
    kind: 'number',
    step: 0.05
  },
  {
    key: 'hardNegatives',
    label: 'Hard negatives',
    help: 'Extra candidates ranked just below the top-K (0–20)',
    kind: 'integer'
  },
  { key: 'randomNegatives', label: 'Random negatives', help: 'Extra random candidates (0–20)', kind: 'integer' },
  {
    key: 'modelSavePath',
    label: 'Model save path',
    help: "Where Save model writes, relative to the sidecar's allowed root",
    kind: 'text'
  }
];

/** Text drafts of a form, by option. */
export type OptionDrafts = Partial<Record<SessionOptionKey, string>>;
/** Messages shown under fields, by option. */
export type FieldErrors = Partial<Record<SessionOptionKey, string>>;

/** The option's value in the session, as the text its input shows ('' when unset). */
export function optionText(session: SessionInfo | null, key: SessionOptionKey): string {
  const value: unknown = session ? (session as Record<string, unknown>)[key] : undefined;
  return value === undefined || value === null ? '' : String(value);
}

/**
 * The changes the drafts make to the session, or the fields whose text is not a valid value.
 * Checked against the protocol's own schema, so the messages match the sidecar's.
 */
export function optionChanges(
  fields: readonly IOptionField[],
  drafts: OptionDrafts,
  session: SessionInfo | null
): { ok: true; changes: SessionOptions } | { ok: false; errors: FieldErrors } {
  const changes: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const field of fields) {
    const draft = drafts[field.key];
    if (draft === undefined || draft === optionText(session, field.key)) {
      continue;
    }
    const parsed = parseOption(field, draft);
    if ('error' in parsed) {
      errors[field.key] = parsed.error;
    } else {
      changes[field.key] = parsed.value;
    }
  }
  if (Object.keys(errors).length === 0) {
    for (const [key, value] of Object.entries(changes)) {
      const checked = validate(Requests.configure.params, { sessionId: 'check', [key]: value });
      if (!checked.ok) {
        errors[key as SessionOptionKey] = checked.error.message;
      }
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, changes: changes as SessionOptions };
}

/** The option a sidecar error's `data.path` names (`/epochs` → `epochs`), if it is one of `fields`. */
export function fieldOfPath(fields: readonly IOptionField[], path: string | null): SessionOptionKey | null {
  const key = path?.split('/').filter(Boolean)[0];
  return fields.find(field => field.key === key)?.key ?? null;
}

function parseOption(field: IOptionField, text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  switch (field.kind) {
    case 'boolean':
      return { value: trimmed === 'true' };
    case 'choice':
    case 'text':
      return trimmed === '' ? { error: 'Enter a value.' } : { value: trimmed };
    case 'integer':
    case 'number': {
      const value = trimmed === '' ? NaN : Number(trimmed);
      if (!Number.isFinite(value)) {
        return { error: 'Enter a number.' };
      }
      if (field.kind === 'integer' && !Number.isInteger(value)) {
        return { error: 'Enter a whole number.' };
      }
      return { value };
    }
  }
}

/**
 * Where Save model writes when the session has no `modelSavePath`: `tunelab-models/<name>`,
 * relative to the sidecar's allowed root.
 */
export function defaultModelSavePath(session: SessionInfo): string {
  const safeName = session.name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '') || session.id;
  return `tunelab-models/${safeName}`;
}
