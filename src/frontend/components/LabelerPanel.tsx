import React, { useEffect, useRef, useState } from 'react';
import { ILabelerState, LabelerController } from '../labeler/labelerController';
import { ILabelerTracker, ISidecarConnection, LABELER_PANEL_CLASS } from '../tokens';
import { CandidateList } from './CandidateList';
import { ConnectionStatusBadge } from './ConnectionStatusBadge';
import { ItemContent } from './ItemContent';
import { LoadingBar } from './LoadingBar';
import { ProgressCounters } from './ProgressCounters';
import { useSignalValue } from './useSignalValue';

export interface ILabelerPanelProps {
  connection: ISidecarConnection;
  tracker: ILabelerTracker;
  sessionId: string;
  /** Shown until the sidecar describes the session. */
  sessionName?: string;
}

/**
 * Labels one session: the query, its candidates, progress and the actions.
 * The same component renders in a notebook cell, the sidebar or a tab. Keys
 * reach it through the labeler commands (see `installLabelerKeyboard`), which
 * act on the panel focused last.
 */
export function LabelerPanel(props: ILabelerPanelProps): JSX.Element {
  const { connection, tracker, sessionId, sessionName } = props;
  const node = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<LabelerController | null>(null);

  useEffect(() => {
    const created = new LabelerController(connection, sessionId);
    setController(created);
    void created.start();
    return () => created.dispose();
  }, [connection, sessionId, tracker]);

  useEffect(() => {
    if (!controller || !node.current) {
      return;
    }
    const registration = tracker.add(node.current, controller);
    return () => registration.dispose();
  }, [controller, tracker]);

  useEffect(() => {
    if (tracker.settings.autoFocus) {
      node.current?.focus();
    }
  }, [tracker]);

  return (
    <div
      ref={node}
      className={LABELER_PANEL_CLASS}
      tabIndex={0}
      data-testid="tl-labeler"
      data-session-id={sessionId}
      aria-label={`Tunelab labeler: ${sessionName || sessionId}`}
    >
      {controller ? <LabelerBody controller={controller} connection={connection} sessionName={sessionName} /> : null}
    </div>
  );
}

function LabelerBody(props: {
  controller: LabelerController;
  connection: ISidecarConnection;
  sessionName?: string;
}): JSX.Element {
  const { controller, connection } = props;
  const state = useSignalValue(controller.stateChanged, () => controller.state);
  const { session, progress, question, selection, saving, error } = state;
  const busy = state.fetching || state.undoing || saving === 'saving';
  const name = session?.name ?? (props.sessionName || controller.sessionId);

  return (
    <>
      <div className="tl-LabelerPanel-header">
        <span className="tl-LabelerPanel-title" data-testid="tl-session-name">
          {name}
        </span>
        <ConnectionStatusBadge connection={connection} />
        <span className="tl-LabelerPanel-saveState" data-testid="tl-save-state" data-state={saving} aria-live="polite">
          {saving === 'saving' ? 'saving…' : saving === 'saved' ? 'saved' : ''}
        </span>
      </div>
      <div className="tl-LabelerPanel-progress">
        <ProgressCounters progress={progress} />
        <ModelVersion state={state} />
      </div>
      <LoadingBar progress={progress} />
      {error ? (
        <div className="tl-LabelerPanel-error" role="alert" data-testid="tl-error">
          {error}
        </div>
      ) : null}
      {question ? (
        <div className={`tl-LabelerPanel-question${busy ? ' tl-mod-busy' : ''}`} data-question-id={question.id}>
          <div className="tl-LabelerPanel-query" data-testid="tl-query">
            <span className="tl-LabelerPanel-queryLabel">Query</span>
            <ItemContent item={question.query} className="tl-LabelerPanel-queryText" />
            {question.strategy ? (
              <span className="tl-LabelerPanel-strategy" title="Why this query was chosen" data-testid="tl-strategy">
                {question.strategy}
              </span>
            ) : null}
          </div>
          <CandidateList
            candidates={controller.shownCandidates}
            selection={selection}
            disabled={busy}
            onToggle={index => controller.toggle(index)}
          />
        </div>
      ) : (
        <EmptyState state={state} />
      )}
      <div className="tl-LabelerPanel-actions">
        <button
          type="button"
          className="tl-Button tl-mod-accept"
          data-testid="tl-submit"
          disabled={!question || busy}
          onClick={() => controller.submit()}
          title="Submit: selected candidates are relevant, the others not (Space)"
        >
          Submit
        </button>
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-skip"
          disabled={!question || busy}
          onClick={() => controller.skip()}
          title="Skip this question (S)"
        >
          Skip
        </button>
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-invert"
          disabled={!question}
          onClick={() => controller.invert()}
          title="Invert the selection (I)"
        >
          Invert
        </button>
        <button
          type="button"
          className="tl-Button"
          data-testid="tl-undo"
          disabled={busy || state.phase !== 'ready' || !progress || progress.done === 0}
          onClick={() => controller.undo()}
          title="Undo the last answer (Backspace)"
        >
          Undo
        </button>
        <span className="tl-LabelerPanel-keys" aria-hidden="true">
          <kbd>1</kbd>–<kbd>9</kbd>, <kbd>0</kbd> select · <kbd>I</kbd> invert · <kbd>Space</kbd> submit · <kbd>S</kbd>{' '}
          skip · <kbd>⌫</kbd> undo
        </span>
      </div>
    </>
  );
}

/** Which model produced the question on screen, and the newest one when training has moved on. */
function ModelVersion(props: { state: ILabelerState }): JSX.Element | null {
  const { question, progress } = props.state;
  const shown = question?.modelVersion ?? progress?.modelVersion;
  if (shown === undefined) {
    return null;
  }
  const newer = progress && question && progress.modelVersion > question.modelVersion ? progress.modelVersion : null;
  return (
    <span
      className="tl-LabelerPanel-modelVersion"
      data-testid="tl-model-version"
      data-version={shown}
      title={question ? 'Version of the model whose embeddings chose these candidates' : 'Current model version'}
    >
      model v{shown}
      {newer !== null ? <span className="tl-LabelerPanel-newerModel"> (v{newer} trained)</span> : null}
    </span>
  );
}

/** What the panel says when it has no question to show. */
function EmptyState(props: { state: ILabelerState }): JSX.Element {
  const { phase, fetching, progress, session } = props.state;
  let message: string;
  let testId = 'tl-waiting';
  if (phase === 'starting') {
    message = 'Connecting to the session…';
  } else if (phase === 'closed') {
    message = 'This session is closed.';
    testId = 'tl-session-closed';
  } else if (fetching) {
    message = 'Fetching the next question…';
  } else if (session?.loading || (progress && progress.loadedItems < progress.itemCount)) {
    message = 'Waiting for items to load…';
  } else {
    message = 'No question left: every query in this pool has been asked. Undo to revisit the last answer.';
    testId = 'tl-no-question';
  }
  return (
    <div className="tl-LabelerPanel-empty" data-testid={testId}>
      {message}
    </div>
  );
}
