import React, { useState } from 'react';

/** The labeler's keys, as bound in schema/plugin.json (the shortcut editor can change them). */
const SIMILARITY_KEYS: readonly (readonly [string, string])[] = [
  ['1 – 9, 0', 'Toggle candidate 1–9, 10'],
  ['I', 'Invert the selection'],
  ['Space', 'Submit: selected candidates relevant, the others not'],
  ['S', 'Skip (ignore) this question'],
  ['Backspace', 'Undo the latest answer of the session'],
  ['←', "Review this panel's previous answer (read-only); again for older ones"],
  ['→', 'Next newer answer; after the latest, back to the current question']
];

/** The same keys in a classification session (protocol 1.4). */
function classificationKeys(multiLabel: boolean): readonly (readonly [string, string])[] {
  return [
    multiLabel ? ['1 – 9, 0', 'Toggle label 1–9, 10'] : ['1 – 9, 0', 'Choose label 1–9, 10'],
    ['Enter', "Accept the model's prediction (does nothing before it predicts)"],
    ['Space', multiLabel ? 'Submit the labels selected (none: the item has none of them)' : 'Submit the label chosen'],
    ...(multiLabel ? [['I', 'Invert the labels selected'] as const] : []),
    ['S', 'Skip this item'],
    ['Backspace', 'Undo the latest answer of the session; its item comes back'],
    ['←', "Review this panel's previous answer (read-only); again for older ones"],
    ['→', 'Next newer answer; after the latest, back to the current question']
  ];
}

/** A "?" button that shows what the keys do; keys act while the panel has the focus. */
export function KeyHelp(props: { task?: 'similarity' | 'classification'; multiLabel?: boolean }): JSX.Element {
  const [open, setOpen] = useState(false);
  const keys = props.task === 'classification' ? classificationKeys(props.multiLabel === true) : SIMILARITY_KEYS;
  return (
    <span className="tl-KeyHelp">
      <button
        type="button"
        className="tl-KeyHelp-toggle"
        aria-expanded={open}
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts"
        data-testid="tl-help-toggle"
        onClick={() => setOpen(!open)}
      >
        ?
      </button>
      {open ? (
        <div className="tl-KeyHelp-popup" role="dialog" aria-label="Keyboard shortcuts" data-testid="tl-help">
          <table className="tl-KeyHelp-table">
            <tbody>
              {keys.map(([key, action]) => (
                <tr key={key}>
                  <td>
                    <kbd>{key}</kbd>
                  </td>
                  <td>{action}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="tl-KeyHelp-note">
            Keys work while this panel has the focus (click it). Review shows only answers given in this panel since it
            opened; Undo always takes back the session&apos;s latest answer.
          </p>
        </div>
      ) : null}
    </span>
  );
}
