import { HTMLSelect } from '@jupyterlab/ui-components';
import React, { useRef, useState } from 'react';
import type { LabelFormat } from '../../protocol';
import { formatsForFile, LABEL_FILE_ACCEPT, labelFormatInfo } from '../labels/labelFormats';

/**
 * "Import labels…": a file picker; the format follows from the extension, and when it does not
 * (`.jsonl` is Tunelab's or Hugging Face's), a select asks before importing.
 */
export function ImportLabelsButton(props: {
  disabled: boolean;
  onImport: (file: File, format: LabelFormat) => void;
}): JSX.Element {
  const { disabled, onImport } = props;
  const input = useRef<HTMLInputElement>(null);
  const [chosen, setChosen] = useState<{ file: File; choices: readonly LabelFormat[]; format: LabelFormat } | null>(
    null
  );

  const onPicked = (): void => {
    const file = input.current?.files?.[0];
    if (input.current) {
      input.current.value = ''; // so picking the same file again imports again
    }
    if (!file) {
      return;
    }
    const choices = formatsForFile(file.name);
    if (choices.length === 1) {
      setChosen(null);
      onImport(file, choices[0]);
    } else {
      setChosen({ file, choices, format: choices[0] });
    }
  };

  return (
    <>
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-import-labels"
        disabled={disabled}
        title="Add the answers of a label file (.jsonl, .csv, Label Studio .json) to this session"
        onClick={() => input.current?.click()}
      >
        Import labels…
      </button>
      <input
        ref={input}
        type="file"
        accept={LABEL_FILE_ACCEPT}
        hidden
        data-testid="tl-import-file"
        onChange={onPicked}
      />
      {chosen ? (
        <div className="tl-LabelFiles-choose" data-testid="tl-import-choose">
          <label className="tl-LabelFiles-chooseLabel">
            Format of <code>{chosen.file.name}</code>
            <HTMLSelect
              data-testid="tl-import-format"
              value={chosen.format}
              options={chosen.choices.map(format => ({ value: format, label: labelFormatInfo(format).title }))}
              onChange={event => setChosen({ ...chosen, format: event.target.value as LabelFormat })}
            />
          </label>
          <button
            type="button"
            className="tl-Button tl-mod-accept"
            data-testid="tl-import-confirm"
            disabled={disabled}
            onClick={() => {
              setChosen(null);
              onImport(chosen.file, chosen.format);
            }}
          >
            Import
          </button>
          <button type="button" className="tl-Button" data-testid="tl-import-cancel" onClick={() => setChosen(null)}>
            Cancel
          </button>
        </div>
      ) : null}
    </>
  );
}
