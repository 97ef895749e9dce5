import { closeIcon } from '@jupyterlab/ui-components';
import React from 'react';
import type { ISaveState } from '../labeler/saveState';

/**
 * What the header's save state cannot say in a few words: why answers wait in this browser, and an
 * answer the sidecar refused for good (shown until dismissed, so it is never lost silently).
 */
export function SaveNotices(props: { save: ISaveState; dropped: string | null; onDismiss: () => void }): JSX.Element {
  const { save, dropped, onDismiss } = props;
  return (
    <>
      {save.detail && save.state !== 'error' ? (
        <div className="tl-SaveNotice tl-mod-queued" role="status" data-testid="tl-save-notice" data-state={save.state}>
          {save.detail}
        </div>
      ) : null}
      {dropped ? (
        <div className="tl-SaveNotice tl-mod-error" role="alert" data-testid="tl-dropped-answer">
          <span className="tl-SaveNotice-text">{dropped}</span>
          <button
            type="button"
            className="tl-IconButton"
            data-testid="tl-dismiss-dropped"
            title="Dismiss"
            aria-label="Dismiss"
            onClick={onDismiss}
          >
            <closeIcon.react tag="span" className="tl-IconButton-icon" />
          </button>
        </div>
      ) : null}
    </>
  );
}
