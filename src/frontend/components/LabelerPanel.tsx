import { launchIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';
import { isClassification, isMultiLabel } from '../labeler/classification';
import { ILabelerState, LabelerController } from '../labeler/labelerController';
import { ADVANCED_FIELDS, CONTROL_FIELDS, defaultModelSavePath } from '../labeler/sessionOptions';
import { ILabelerTracker, ISidecarConnection, LABELER_PANEL_CLASS } from '../tokens';
import { AutoAcceptedList } from './AutoAcceptedList';
import { ClassificationQuestionView } from './ClassificationQuestionView';
import { Collapsible } from './Collapsible';
import { ConnectionStatusBadge } from './ConnectionStatusBadge';
import { KeyHelp } from './KeyHelp';
import { LabelerActions } from './LabelerActions';
import { LoadingBar } from './LoadingBar';
import { ModelActions } from './ModelActions';
import { OptionsForm } from './OptionsForm';
import { ProgressDetails } from './ProgressDetails';
import { QuestionView } from './QuestionView';
import { SaveNotices } from './SaveNotices';
import { SaveStateBadge } from './SaveStateBadge';
import { SessionFacts } from './SessionFacts';
import { TrainNow } from './TrainNow';
import { useSignalValue } from './useSignalValue';

export interface ILabelerPanelProps {
  connection: ISidecarConnection;
  tracker: ILabelerTracker;
  sessionId: string;
  /** Shown until the sidecar describes the session. */
  sessionName?: string;
  /** Offers "Open in tab" when given (not in the tab itself). */
  onOpenInTab?: (sessionId: string) => void;
}

/**
 * Labels one session: progress, the control panel and advanced options, the question and the
 * actions. The same component renders in a notebook cell, the sidebar or a tab; wide hosts
 * put the settings in a column beside the question (a container query in the CSS). Keys
 * reach it through the labeler commands (see `installLabelerKeyboard`), which act on the
 * panel focused last.
 */
export function LabelerPanel(props: ILabelerPanelProps): JSX.Element {
  const { connection, tracker, sessionId, sessionName, onOpenInTab } = props;
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
      {controller ? (
        <LabelerBody
          controller={controller}
          connection={connection}
          sessionName={sessionName}
          onOpenInTab={onOpenInTab}
        />
      ) : null}
    </div>
  );
}

function LabelerBody(props: {
  controller: LabelerController;
  connection: ISidecarConnection;
  sessionName?: string;
  onOpenInTab?: (sessionId: string) => void;
}): JSX.Element {
  const { controller, connection, onOpenInTab } = props;
  const state = useSignalValue(controller.stateChanged, () => controller.state);
  const { session, progress, save, error } = state;
  // Pending answers do not make the panel busy: the outbox sends them while the annotator goes on.
  const busy = state.fetching || state.undoing;
  const name = session?.name ?? (props.sessionName || controller.sessionId);
  const finished = progress?.finished === true;
  const configure = controller.configure.bind(controller);
  const classification = isClassification(session);
  const machineLabels = controller.machineLabels;

  return (
    <>
      <div className="tl-LabelerPanel-header">
        <span className="tl-LabelerPanel-title" data-testid="tl-session-name">
          {name}
        </span>
        <ConnectionStatusBadge connection={connection} />
        <SaveStateBadge save={save} />
        <ModelVersion state={state} />
        {onOpenInTab ? (
          <button
            type="button"
            className="tl-IconButton"
            data-testid="tl-open-in-tab"
            title="Open this session in a main-area tab"
            aria-label="Open in tab"
            onClick={() => onOpenInTab(controller.sessionId)}
          >
            <launchIcon.react tag="span" className="tl-IconButton-icon" />
          </button>
        ) : null}
        <KeyHelp task={classification ? 'classification' : 'similarity'} multiLabel={isMultiLabel(session)} />
      </div>
      <LoadingBar progress={progress} />
      <div className="tl-LabelerPanel-layout">
        <div className="tl-LabelerPanel-side">
          <ProgressDetails session={session} progress={progress} />
          {classification ? (
            <TrainNow
              session={session}
              progress={progress}
              requested={state.trainRequested}
              onTrain={() => void controller.trainNow()}
            />
          ) : null}
          <Collapsible title="Control panel" testId="tl-control-panel" summary={controlSummary(state)}>
            <SessionFacts session={session} />
            <OptionsForm
              fields={CONTROL_FIELDS}
              session={session}
              disabled={state.configuring}
              onApply={configure}
              testId="tl-control-form"
            />
          </Collapsible>
          <Collapsible title="Advanced" testId="tl-advanced">
            <OptionsForm
              fields={ADVANCED_FIELDS}
              session={session}
              disabled={state.configuring}
              onApply={configure}
              placeholders={advancedPlaceholders(session)}
              testId="tl-advanced-form"
            />
          </Collapsible>
          <ModelActions
            session={session}
            progress={progress}
            modelSave={state.modelSave}
            finishing={state.finishing}
            onSave={path => void controller.saveModel(path)}
            onFinish={() => void controller.finish()}
          />
        </div>
        <div className="tl-LabelerPanel-main">
          <SaveNotices save={save} dropped={state.dropped} onDismiss={() => controller.dismissDropped()} />
          {error ? (
            <div className="tl-LabelerPanel-error" role="alert" data-testid="tl-error">
              {error}
            </div>
          ) : null}
          <ShownQuestion state={state} controller={controller} busy={busy} />
          {finished ? null : <LabelerActions state={state} controller={controller} busy={busy} />}
          {classification && machineLabels ? (
            <AutoAcceptedList machineLabels={machineLabels} session={session} progress={progress} />
          ) : null}
        </div>
      </div>
    </>
  );
}

/** What an unset advanced option means (the sidecar's and `session.labels`' defaults). */
function advancedPlaceholders(session: ILabelerState['session']): Partial<Record<string, string>> {
  return {
    positiveLabel: '1',
    negativeLabel: '-1',
    matchPoolSize: '0 = whole pool',
    margin: "the loss's default",
    ...(session ? { modelSavePath: defaultModelSavePath(session) } : {})
  };
}

function controlSummary(state: ILabelerState): string {
  const { session } = state;
  if (session && isClassification(session)) {
    const count = session.labels?.length ?? 0;
    return `${session.contentType} · ${count} labels${session.multiLabel ? ' · multi-label' : ''}`;
  }
  return session ? `${session.contentType} · top ${session.topK}` : '';
}

/** The question under review, else the current one, else why there is none. */
function ShownQuestion(props: { state: ILabelerState; controller: LabelerController; busy: boolean }): JSX.Element {
  const { state, controller, busy } = props;
  if (state.progress?.finished) {
    return <FinishedState state={state} />;
  }
  if (isClassification(state.session) || state.question?.choices !== undefined) {
    return <ShownClassificationQuestion state={state} controller={controller} busy={busy} />;
  }
  if (state.review !== null && state.answered[state.review]) {
    const answer = state.answered[state.review];
    return (
      <QuestionView
        question={answer.question}
        selection={answer.selection}
        review={{ answer, position: state.review, count: state.answered.length }}
        busy={false}
        onToggle={() => undefined}
      />
    );
  }
  if (state.question) {
    return (
      <QuestionView
        question={state.question}
        selection={state.selection}
        review={null}
        busy={busy}
        onToggle={index => controller.toggle(index)}
      />
    );
  }
  return <EmptyState state={state} />;
}

/** `ShownQuestion` for a classification session: the item with its choices and the model's prediction. */
function ShownClassificationQuestion(props: {
  state: ILabelerState;
  controller: LabelerController;
  busy: boolean;
}): JSX.Element {
  const { state, controller, busy } = props;
  const multiLabel = isMultiLabel(state.session);
  if (state.review !== null && state.answered[state.review]) {
    const answer = state.answered[state.review];
    return (
      <ClassificationQuestionView
        question={answer.question}
        choices={answer.question.choices ?? state.session?.labels ?? []}
        selection={answer.selection}
        multiLabel={multiLabel}
        review={{ answer, position: state.review, count: state.answered.length }}
        busy={false}
        onChoose={() => undefined}
      />
    );
  }
  if (state.question) {
    return (
      <ClassificationQuestionView
        question={state.question}
        choices={controller.choices}
        selection={state.selection}
        multiLabel={multiLabel}
        review={null}
        busy={busy}
        onChoose={index => controller.toggle(index)}
      />
    );
  }
  return <EmptyState state={state} />;
}

/** Which model produced the question on screen, and the newest one when training has moved on. */
function ModelVersion(props: { state: ILabelerState }): JSX.Element | null {
  const { progress, review, answered } = props.state;
  const question = review !== null ? (answered[review]?.question ?? null) : props.state.question;
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

/** After Finish: labeling is over, the kernel's `fit` has returned. */
function FinishedState(props: { state: ILabelerState }): JSX.Element {
  const { progress } = props.state;
  return (
    <div className="tl-LabelerPanel-finished" data-testid="tl-finished" role="status">
      <strong>Labeling finished.</strong>{' '}
      {progress ? `${progress.done} answers, model v${progress.modelVersion}. ` : ''}
      <code>tunelab.fit</code> has returned in the notebook; save the model here or from Python.
    </div>
  );
}

/** What the panel says when it has no question to show. */
function EmptyState(props: { state: ILabelerState }): JSX.Element {
  const { phase, fetching, progress, session, save } = props.state;
  let message: string;
  let testId = 'tl-waiting';
  if (phase === 'starting') {
    message = 'Connecting to the session…';
  } else if (phase === 'closed') {
    message = 'This session is closed.';
    testId = 'tl-session-closed';
  } else if (save.pending > 0) {
    message = 'Saving your answers before asking for the next question…';
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
