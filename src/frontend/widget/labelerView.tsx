import { DOMWidgetView } from '@jupyter-widgets/base';
import React from 'react';
import { createRoot, Root } from 'react-dom/client';
import { LabelerPanel } from '../components/LabelerPanel';
import { ILabelerTracker, ISidecarConnection } from '../tokens';

/** What a labeler view needs from the page; the widget plugin supplies it. */
export interface ILabelerServices {
  connection: ISidecarConnection;
  tracker: ILabelerTracker;
  /** Opens the session in a main-area tab. */
  openInTab: (sessionId: string, sessionName: string) => void;
}

/**
 * The view class of `tunelab.widget.Labeler`, bound to the page's services.
 * ipywidgets instantiates views itself, so the services come in by closure.
 */
export function createLabelerView(services: ILabelerServices): typeof DOMWidgetView {
  return class LabelerView extends DOMWidgetView {
    override render(): void {
      this.el.classList.add('tl-LabelerWidget');
      this._root = createRoot(this.el);
      this._renderPanel();
      this.listenTo(this.model, 'change:session_id change:session_name', this._renderPanel);
    }

    override remove(): void {
      this._root?.unmount();
      this._root = null;
      super.remove();
    }

    private _renderPanel(): void {
      const sessionId = String(this.model.get('session_id') ?? '');
      const sessionName = String(this.model.get('session_name') ?? '');
      this._root?.render(
        <LabelerPanel
          key={sessionId}
          connection={services.connection}
          tracker={services.tracker}
          sessionId={sessionId}
          sessionName={sessionName}
          onOpenInTab={id => services.openInTab(id, sessionName)}
        />
      );
    }

    private _root: Root | null = null;
  };
}
