import React from 'react';
import type { Progress, SessionInfo } from '../../protocol';
import type { ModelSaveState } from '../labeler/labelerController';
import { defaultModelSavePath } from '../labeler/sessionOptions';

/**
 * Save model (to the session's model save path, else `tunelab-models/<name>`) and Finish
 * (`tunelab.fit` returns in the kernel), with where the model went.
 */
export function ModelActions(props: {
  session: SessionInfo | null;
  progress: Progress | null;
  modelSave: ModelSaveState;
  finishing: boolean;
  onSave: (path: string | undefined) => void;
  onFinish: () => void;
}): JSX.Element {
  const { session, progress, modelSave, finishing, onSave, onFinish } = props;
  const finished = progress?.finished === true;
  const path = session ? (session.modelSavePath ?? defaultModelSavePath(session)) : '';
  return (
    <div className="tl-ModelActions">
      <button
        type="button"
        className="tl-Button"
        data-testid="tl-save-model"
        disabled={!session || modelSave.status === 'saving'}
        title={`Write the latest model (TF.js layers format) to ${path}`}
        onClick={() => onSave(session?.modelSavePath === undefined ? path : undefined)}
      >
        {modelSave.status === 'saving' ? 'Saving model…' : 'Save model'}
      </button>
      <button
        type="button"
        className="tl-Button tl-mod-finish"
        data-testid="tl-finish"
        disabled={!session || finished || finishing}
        title="Stop labeling: tunelab.fit(…) returns the trained model in the notebook"
        onClick={onFinish}
      >
        {finished ? 'Finished' : finishing ? 'Finishing…' : 'Finish'}
      </button>
      <ModelSaveMessage modelSave={modelSave} />
    </div>
  );
}

function ModelSaveMessage(props: { modelSave: ModelSaveState }): JSX.Element | null {
  const { modelSave } = props;
  if (modelSave.status === 'saved') {
    return (
      <span
        className="tl-ModelActions-saved"
        data-testid="tl-model-saved"
        title={modelSave.files.join('\n')}
        data-path={modelSave.path}
      >
        Model v{modelSave.modelVersion} saved to <code>{modelSave.path}</code>
      </span>
    );
  }
  if (modelSave.status === 'failed') {
    return (
      <span className="tl-ModelActions-failed" role="alert" data-testid="tl-model-save-error">
        {modelSave.error}
      </span>
    );
  }
  return null;
}
