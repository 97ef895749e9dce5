import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import React from 'react';
import { LabelerPanel } from '../components/LabelerPanel';
import { tunelabIcon } from '../icons';
import { ILabelerTracker, ISidecarConnection } from '../tokens';

/** Id of the main-area tab of a session: one tab per session. */
export function sessionTabId(sessionId: string): string {
  return `tunelab-session-${sessionId}`;
}

/** The labeling panel of one session, full size, in a main-area tab. */
export function createSessionTab(options: {
  connection: ISidecarConnection;
  tracker: ILabelerTracker;
  sessionId: string;
  sessionName: string;
}): MainAreaWidget<ReactWidget> {
  const { connection, tracker, sessionId, sessionName } = options;
  const content = ReactWidget.create(
    <LabelerPanel connection={connection} tracker={tracker} sessionId={sessionId} sessionName={sessionName} />
  );
  content.addClass('tl-SessionTab-content');
  const widget = new MainAreaWidget({ content });
  widget.id = sessionTabId(sessionId);
  widget.addClass('tl-SessionTab');
  widget.title.label = `Tunelab: ${sessionName}`;
  widget.title.caption = `Labeling session ${sessionName}`;
  widget.title.icon = tunelabIcon;
  widget.title.closable = true;
  return widget;
}
