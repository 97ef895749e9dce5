import React, { useState } from 'react';
import type { SessionInfo } from '../../protocol';
import type { ConfigureResult } from '../labeler/labelerController';
import {
  FieldErrors,
  IOptionField,
  OptionDrafts,
  optionChanges,
  optionText,
  SessionOptions
} from '../labeler/sessionOptions';

/**
 * Inputs for session options, applied together through `session/configure`. Each field keeps
 * the user's text until applied; a value the schema or the sidecar rejects gets its message
 * under the field. Enter in a field applies too.
 */
export function OptionsForm(props: {
  fields: readonly IOptionField[];
  session: SessionInfo | null;
  disabled: boolean;
  onApply: (changes: SessionOptions, fields: readonly IOptionField[]) => Promise<ConfigureResult>;
  /** Shown in an empty field, e.g. the default save path. */
  placeholders?: Partial<Record<string, string>>;
  testId: string;
}): JSX.Element {
  const { fields, session, disabled, onApply, placeholders, testId } = props;
  const [drafts, setDrafts] = useState<OptionDrafts>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [applied, setApplied] = useState(false);

  const checked = optionChanges(fields, drafts, session);
  const dirty = !checked.ok || Object.keys(checked.changes).length > 0;

  const apply = async (): Promise<void> => {
    setApplied(false);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    const result = await onApply(checked.changes, fields);
    if (result.ok) {
      setDrafts({});
      setErrors({});
      setFormError(null);
      setApplied(true);
    } else {
      setErrors(result.errors);
      setFormError(result.error);
    }
  };

  const edit = (key: IOptionField['key'], text: string): void => {
    setDrafts({ ...drafts, [key]: text });
    setApplied(false);
    if (errors[key]) {
      const { [key]: _cleared, ...rest } = errors;
      setErrors(rest);
    }
  };

  return (
    <form
      className="tl-OptionsForm"
      data-testid={testId}
      onSubmit={event => {
        event.preventDefault();
        void apply();
      }}
    >
      {fields.map(field => {
        const text = drafts[field.key] ?? optionText(session, field.key);
        const error = errors[field.key];
        const id = `${testId}-${field.key}`;
        return (
          <div key={field.key} className={`tl-OptionsForm-field${error ? ' tl-mod-invalid' : ''}`}>
            <label htmlFor={id} className="tl-OptionsForm-label" title={field.help}>
              {field.label}
            </label>
            <OptionInput
              id={id}
              field={field}
              text={text}
              disabled={disabled || session === null}
              placeholder={placeholders?.[field.key]}
              invalid={Boolean(error)}
              onChange={value => edit(field.key, value)}
            />
            {error ? (
              <span className="tl-OptionsForm-error" role="alert" data-testid="tl-field-error" data-field={field.key}>
                {error}
              </span>
            ) : null}
          </div>
        );
      })}
      <div className="tl-OptionsForm-actions">
        <button type="submit" className="tl-Button" disabled={disabled || !dirty} data-testid={`${testId}-apply`}>
          Apply
        </button>
        {applied && !dirty ? <span className="tl-OptionsForm-applied">applied</span> : null}
        {formError ? (
          <span className="tl-OptionsForm-error" role="alert">
            {formError}
          </span>
        ) : null}
      </div>
    </form>
  );
}

function OptionInput(props: {
  id: string;
  field: IOptionField;
  text: string;
  disabled: boolean;
  placeholder?: string;
  invalid: boolean;
  onChange: (text: string) => void;
}): JSX.Element {
  const { id, field, text, disabled, placeholder, invalid, onChange } = props;
  const common = {
    id,
    name: field.key,
    disabled,
    title: field.help,
    'aria-invalid': invalid,
    'data-testid': `tl-option-${field.key}`
  };
  if (field.kind === 'boolean') {
    return (
      <input
        {...common}
        type="checkbox"
        className="tl-OptionsForm-checkbox"
        checked={text === 'true'}
        onChange={event => onChange(String(event.target.checked))}
      />
    );
  }
  if (field.kind === 'choice') {
    return (
      <select
        {...common}
        className="tl-OptionsForm-input"
        value={text}
        onChange={event => onChange(event.target.value)}
      >
        {text === '' ? <option value="">–</option> : null}
        {(field.choices ?? []).map(choice => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      {...common}
      type={field.kind === 'text' ? 'text' : 'number'}
      step={field.kind === 'integer' ? 1 : (field.step ?? 'any')}
      className="tl-OptionsForm-input"
      value={text}
      placeholder={placeholder}
      onChange={event => onChange(event.target.value)}
    />
  );
}
