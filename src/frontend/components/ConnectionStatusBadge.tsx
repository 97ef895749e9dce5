import React from 'react';
import { ConnectionStatus, ISidecarConnection } from '../tokens';
import { useSignalValue } from './useSignalValue';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'connecting…',
  open: 'connected',
  reconnecting: 'reconnecting…',
  closed: 'disconnected'
};

/** A dot and a word for the sidecar connection; the last error as its tooltip. */
export function ConnectionStatusBadge(props: { connection: ISidecarConnection }): JSX.Element {
  const { connection } = props;
  const status = useSignalValue(connection.statusChanged, () => connection.status);
  const title = status === 'open' ? 'Connected to the Tunelab sidecar' : (connection.lastError ?? LABELS[status]);
  return (
    <span
      className={`tl-ConnectionStatus tl-mod-${status}`}
      data-testid="tl-connection-status"
      data-status={status}
      title={title}
    >
      <span className="tl-ConnectionStatus-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
