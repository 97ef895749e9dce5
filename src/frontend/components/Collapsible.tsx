import React, { ReactNode, useState } from 'react';

/** A titled section the user can fold; folded by default so a cell stays compact. */
export function Collapsible(props: {
  title: string;
  testId: string;
  /** Shown beside the title, also when folded. */
  summary?: ReactNode;
  initiallyOpen?: boolean;
  children: ReactNode;
}): JSX.Element {
  const { title, testId, summary, initiallyOpen, children } = props;
  const [open, setOpen] = useState(initiallyOpen ?? false);
  return (
    <section className={`tl-Collapsible${open ? ' tl-mod-open' : ''}`} data-testid={testId}>
      <button
        type="button"
        className="tl-Collapsible-header"
        aria-expanded={open}
        data-testid={`${testId}-toggle`}
        onClick={() => setOpen(!open)}
      >
        <span className="tl-Collapsible-caret" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="tl-Collapsible-title">{title}</span>
        {summary ? <span className="tl-Collapsible-summary">{summary}</span> : null}
      </button>
      {open ? <div className="tl-Collapsible-body">{children}</div> : null}
    </section>
  );
}
