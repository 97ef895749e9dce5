import React from 'react';
import { isClassification, isMultiLabel } from '../labeler/classification';
import type { ILabelerState, LabelerController } from '../labeler/labelerController';

/**
 * Submit, skip, invert, undo, and the review arrows, with the keys that do the same; in a classification
 * session also "Accept prediction" (Enter), and Invert only for multi-label.
 */
export function LabelerActions(props: {
  state: ILabelerState;
  controller: LabelerController;
  busy: boolean;
}): JSX.Element {
  const { state, controller, busy } = props;
  const { question, progress, review, answered } = state;
  const reviewing = review !== null;
  const canAnswer = question !== null && !busy && !reviewing;
  const classification = isClassification(state.session);
  const multiLabel = isMultiLabel(state.session);
  const prediction = question?.prediction ?? null;
  return (
    <div className="tl-LabelerPanel-actions">
      {classification ? (
        <button
          type="button"
          className="tl-Button tl-mod-accept"
          data-testid="tl-accept-prediction"
          disabled={!canAnswer || !prediction}
          onClick={() => controller.acceptPrediction()}
          title={prediction ? "Answer with the model's prediction (Enter)" : 'No prediction yet for this item'}
        >
          Accept prediction
        </button>
      ) : null}
      <button
        type="button"
        className="tl-Button tl-mod-accept"
        data-testid="tl-submit"
        disabled={!canAnswer}
        onClick={() => controller.submit()}
        title={
          classification
            ? 'Submit the labels selected (Space)'
            : 'Submit: selected candidates are relevant, the others not (Space)'
        }
      >
        Submit
      </button>
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-skip"
        disabled={!canAnswer}
        onClick={() => controller.skip()}
        title="Skip this question (S)"
      >
        Skip
      </button>
      {classification && !multiLabel ? null : (
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-invert"
          disabled={!question || reviewing}
          onClick={() => controller.invert()}
          title="Invert the selection (I)"
        >
          Invert
        </button>
      )}
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-undo"
        disabled={busy || state.save.pending > 0 || state.phase !== 'ready' || !progress || progress.done === 0}
        onClick={() => controller.undo()}
        title={
          state.save.pending > 0
            ? 'Undo waits until your answers are saved'
            : "Undo the session's latest answer (Backspace)"
        }
      >
        Undo
      </button>
      <span className="tl-LabelerPanel-review">
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-back"
          disabled={answered.length === 0 || review === 0}
          onClick={() => controller.back()}
          title="Review the previous answer of this panel (←)"
        >
          ←
        </button>
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-forward"
          disabled={!reviewing}
          onClick={() => controller.forward()}
          title="Next answer; after the latest, the current question (→)"
        >
          →
        </button>
      </span>
      {classification ? (
        <span className="tl-LabelerPanel-keys" aria-hidden="true">
          <kbd>1</kbd>–<kbd>9</kbd> {multiLabel ? 'toggle' : 'choose'} · <kbd>Enter</kbd> accept prediction ·{' '}
          <kbd>Space</kbd> submit · <kbd>S</kbd> skip · <kbd>⌫</kbd> undo · <kbd>←</kbd>
          <kbd>→</kbd> review
        </span>
      ) : (
        <span className="tl-LabelerPanel-keys" aria-hidden="true">
          <kbd>1</kbd>–<kbd>9</kbd>, <kbd>0</kbd> select · <kbd>I</kbd> invert · <kbd>Space</kbd> submit · <kbd>S</kbd>{' '}
          skip · <kbd>⌫</kbd> undo · <kbd>←</kbd>
          <kbd>→</kbd> review
        </span>
      )}
    </div>
  );
}
