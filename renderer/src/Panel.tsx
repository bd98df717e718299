/** A titled section of the side panel. */
import type { ReactNode } from 'react';

export function Panel({ title, children, testId }: { title: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="panel" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
