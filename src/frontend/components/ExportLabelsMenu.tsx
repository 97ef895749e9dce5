import { caretDownIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';
import type { LabelFormat } from '../../protocol';
import { LABEL_FORMATS } from '../labels/labelFormats';

/** "Export labels ▾": a button opening the list of label file formats; choosing one exports. */
export function ExportLabelsMenu(props: { disabled: boolean; onExport: (format: LabelFormat) => void }): JSX.Element {
  const { disabled, onExport } = props;
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) {
      return;
    }
    // Closes on a click anywhere else, as JupyterLab's menus do.
    const onPointerDown = (event: MouseEvent): void => {
      if (!root.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open]);

  return (
    <div
      className="tl-Dropdown"
      ref={root}
      onKeyDown={event => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          setOpen(false);
        }
      }}
    >
      <button
        type="button"
        className="tl-Button tl-Dropdown-toggle"
        data-testid="tl-export-labels"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        title="Download this session's labels as a file"
        onClick={() => setOpen(!open)}
      >
        Export labels
        <caretDownIcon.react tag="span" className="tl-Dropdown-caret" />
      </button>
      {open ? (
        <ul className="tl-Dropdown-menu" role="menu" data-testid="tl-export-menu">
          {LABEL_FORMATS.map((info, position) => (
            <li key={info.format} role="none">
              <button
                type="button"
                role="menuitem"
                className="tl-Dropdown-item"
                data-testid="tl-export-format"
                data-format={info.format}
                title={info.description}
                autoFocus={position === 0}
                onClick={() => {
                  setOpen(false);
                  onExport(info.format);
                }}
              >
                <span>{info.title}</span>
                <span className="tl-Dropdown-hint">{info.extension}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
