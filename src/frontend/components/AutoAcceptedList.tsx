import React, { useState } from 'react';
import type { MachineLabelRecord, Progress, SessionInfo } from '../../protocol';
import { chooseLabel, labelsOf } from '../labeler/classification';
import { MachineLabels } from '../labeler/machineLabels';
import { Selection } from '../labeler/selection';
import { breakable, formatShare } from './ClassificationQuestionView';
import { useSignalValue } from './useSignalValue';

/**
 * The "Auto-accepted" list of a classification session: items the model labelled itself once its
 * confident predictions proved right, kept apart from the human answers and never trained on until a
 * human confirms them. Each can be confirmed, or rejected (dropped, or relabelled with the right labels).
 * Heads the list with whether auto-accept is on and at which certainty.
 */
export function AutoAcceptedList(props: {
  machineLabels: MachineLabels;
  session: SessionInfo | null;
  progress: Progress | null;
}): JSX.Element {
  const { machineLabels, session, progress } = props;
  const { items, busy, error } = useSignalValue(machineLabels.changed, () => machineLabels.state);
  const labels = session?.labels ?? [];
  const multiLabel = session?.multiLabel === true;
  return (
    <section
      className="tl-AutoAccepted"
      data-testid="tl-auto-accepted"
      aria-labelledby={`tl-auto-accepted-${machineLabels.sessionId}`}
    >
      <div className="tl-AutoAccepted-header">
        <h3 className="tl-AutoAccepted-title" id={`tl-auto-accepted-${machineLabels.sessionId}`}>
          Auto-accepted{' '}
          <span className="tl-AutoAccepted-count" data-testid="tl-machine-count">
            {items ? items.length : (progress?.machineLabels ?? '–')}
          </span>
        </h3>
        <AutoAcceptState session={session} progress={progress} />
      </div>
      {error ? (
        <div className="tl-AutoAccepted-error" role="alert" data-testid="tl-machine-error">
          {error}
        </div>
      ) : null}
      {items && items.length > 0 ? (
        <ul className="tl-AutoAccepted-list" aria-label="Auto-accepted items, most certain first">
          {items.map(item => (
            <MachineLabelRow
              key={item.index}
              item={item}
              labels={labels}
              multiLabel={multiLabel}
              busy={busy.has(item.index)}
              onConfirm={() => void machineLabels.confirm(item.index)}
              onReject={chosen => void machineLabels.reject(item.index, chosen)}
            />
          ))}
        </ul>
      ) : (
        <div className="tl-AutoAccepted-empty" data-testid="tl-machine-empty">
          {items === null
            ? 'Loading…'
            : 'None yet. Confident predictions are listed here, apart from your answers, once auto-accept is on.'}
        </div>
      )}
    </section>
  );
}

const DEFAULT_CERTAINTY_THRESHOLD = 0.9;

/** On, off until earned, or disabled; with the threshold. */
function AutoAcceptState(props: { session: SessionInfo | null; progress: Progress | null }): JSX.Element {
  const { session, progress } = props;
  const threshold = session?.certaintyThreshold;
  const open = progress?.autoAcceptOpen === true;
  let text: string;
  let title: string;
  let state: 'on' | 'off' | 'disabled';
  if (threshold === null) {
    state = 'disabled';
    text = 'auto-accept disabled';
    title = 'The session has no certainty threshold (certainty_threshold=None): every item is labelled by hand';
  } else {
    // Protocol 1.4: a session created without one uses 0.9.
    const at = `certainty ≥ ${formatShare(threshold ?? DEFAULT_CERTAINTY_THRESHOLD)}${threshold === undefined ? ' (default)' : ''}`;
    state = open ? 'on' : 'off';
    text = open ? `auto-accept on · ${at}` : `auto-accept off · ${at}`;
    title = open
      ? `Predictions at ${at} are listed here instead of being asked`
      : `Turns on once the model's confident predictions proved right often enough on your answers (${at})`;
  }
  return (
    <span
      className={`tl-AutoAccepted-state tl-mod-${state}`}
      data-testid="tl-auto-accept-state"
      data-state={state}
      data-threshold={threshold ?? undefined}
      title={title}
    >
      {text}
    </span>
  );
}

function MachineLabelRow(props: {
  item: MachineLabelRecord;
  labels: readonly string[];
  multiLabel: boolean;
  busy: boolean;
  onConfirm: () => void;
  onReject: (labels: readonly string[] | undefined) => void;
}): JSX.Element {
  const { item, labels, multiLabel, busy, onConfirm, onReject } = props;
  const [rejecting, setRejecting] = useState(false);
  const text = item.text ?? `item ${item.itemId}`;
  return (
    <li
      className="tl-MachineLabel"
      data-testid="tl-machine-label"
      data-index={item.index}
      data-item-id={String(item.itemId)}
    >
      <div className="tl-MachineLabel-main">
        <span className="tl-MachineLabel-text" title={text}>
          {text}
        </span>
        <span className="tl-MachineLabel-labels" data-testid="tl-machine-labels">
          {item.labels.length > 0 ? item.labels.join(', ') : 'none'}
        </span>
        <span className="tl-MachineLabel-score" title="The certainty that passed the threshold">
          {formatShare(item.score)}
        </span>
        <span className="tl-MachineLabel-version" title="The model version that accepted it">
          v{item.modelVersion}
        </span>
        <span className="tl-MachineLabel-actions">
          <button
            type="button"
            className="tl-Button tl-mod-accept"
            data-testid="tl-machine-confirm"
            disabled={busy}
            title="Keep these labels as your answer (trained on from the next round)"
            onClick={onConfirm}
          >
            Confirm
          </button>
          <button
            type="button"
            className="tl-Button"
            data-testid="tl-machine-reject"
            aria-expanded={rejecting}
            disabled={busy}
            title="Wrong: give the right labels, or just drop it"
            onClick={() => setRejecting(!rejecting)}
          >
            Reject
          </button>
        </span>
      </div>
      {rejecting ? (
        <RejectChoices
          labels={labels}
          multiLabel={multiLabel}
          busy={busy}
          onReject={chosen => {
            setRejecting(false);
            onReject(chosen);
          }}
          onCancel={() => setRejecting(false)}
        />
      ) : null}
    </li>
  );
}

/**
 * The right labels for a rejected item: single-label stores the label clicked at once; multi-label
 * toggles, then "Save labels". "Just drop" rejects without an answer.
 */
function RejectChoices(props: {
  labels: readonly string[];
  multiLabel: boolean;
  busy: boolean;
  onReject: (labels: readonly string[] | undefined) => void;
  onCancel: () => void;
}): JSX.Element {
  const { labels, multiLabel, busy, onReject, onCancel } = props;
  const [selection, setSelection] = useState<Selection>(new Set());
  return (
    <div
      className="tl-MachineLabel-reject"
      role="group"
      aria-label="The right labels"
      data-testid="tl-machine-reject-choices"
    >
      {labels.map((label, index) => (
        <button
          key={`${index}:${label}`}
          type="button"
          className={`tl-Choice tl-mod-compact${selection.has(index) ? ' tl-mod-selected' : ''}`}
          {...(multiLabel ? { role: 'checkbox', 'aria-checked': selection.has(index) } : {})}
          disabled={busy}
          data-testid="tl-machine-reject-choice"
          data-label={label}
          onClick={() =>
            multiLabel ? setSelection(chooseLabel(selection, index, labels.length, true)) : onReject([label])
          }
        >
          <span className="tl-Choice-label">{breakable(label)}</span>
        </button>
      ))}
      {multiLabel ? (
        <button
          type="button"
          className="tl-Button tl-mod-accept"
          data-testid="tl-machine-reject-save"
          disabled={busy}
          onClick={() => onReject(labelsOf(selection, labels))}
        >
          Save labels
        </button>
      ) : null}
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-machine-drop"
        disabled={busy}
        title="Remove it from this list without labelling it"
        onClick={() => onReject(undefined)}
      >
        Just drop
      </button>
      <button type="button" className="tl-Button" data-testid="tl-machine-reject-cancel" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
