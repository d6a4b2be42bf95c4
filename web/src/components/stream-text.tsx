import { memo } from 'preact/compat';
import type { Ref } from 'preact';

/**
 * A <pre> that Preact renders once and never again: streamed tokens are appended to it as
 * text nodes by whoever holds the ref, so a long output is never re-rendered per token.
 */
export const StreamText = memo(
  function StreamText({ target, label }: { target: Ref<HTMLPreElement>; label: string }) {
    return <pre ref={target} class="stream-text" role="log" aria-label={label} tabIndex={0} />;
  },
  () => true,
);

export function appendText(element: HTMLElement | null, text: string): void {
  if (element && text) element.appendChild(document.createTextNode(text));
}

export function clearText(element: HTMLElement | null): void {
  if (element) element.replaceChildren();
}
