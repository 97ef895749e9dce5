import React from 'react';
import type { SessionInfo } from '../../protocol';

/** What the session was created with and cannot change: field, content type, model. */
export function SessionFacts(props: { session: SessionInfo | null }): JSX.Element | null {
  const { session } = props;
  if (!session) {
    return null;
  }
  const facts: [string, string][] = [
    ['Field', session.field ?? '(auto)'],
    ['Content type', session.contentType],
    ['Model', session.model],
    ['Input shape', session.inputShape ? session.inputShape.join(' × ') : '–']
  ];
  return (
    <div className="tl-SessionFacts" data-testid="tl-session-facts">
      {facts.map(([label, value]) => (
        <span key={label} className="tl-SessionFacts-fact">
          <span className="tl-SessionFacts-label">{label}</span>
          <span className="tl-SessionFacts-value" data-testid={`tl-fact-${label.toLowerCase().replace(' ', '-')}`}>
            {value}
          </span>
        </span>
      ))}
    </div>
  );
}
