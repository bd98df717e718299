/**
 * Escape closes the dialog on top (issue 17): every overlay and the
 * inspector call `useEscape` with their close action. The dialogs open form
 * a stack; one Escape closes the newest only.
 */
import { useEffect, useRef } from 'react';

const stack: { close(): void }[] = [];

function onKey(e: KeyboardEvent): void {
  if (e.key !== 'Escape' || e.defaultPrevented) return;
  const top = stack[stack.length - 1];
  if (top === undefined) return;
  e.preventDefault();
  top.close();
}

/** Closes this dialog on Escape while it is the newest one open. */
export function useEscape(onClose: () => void): void {
  const latest = useRef(onClose);
  latest.current = onClose;
  useEffect(() => {
    const entry = { close: () => latest.current() };
    if (stack.length === 0) window.addEventListener('keydown', onKey);
    stack.push(entry);
    return () => {
      stack.splice(stack.indexOf(entry), 1);
      if (stack.length === 0) window.removeEventListener('keydown', onKey);
    };
  }, []);
}
