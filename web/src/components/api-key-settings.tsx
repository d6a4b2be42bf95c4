import { useEffect, useRef, useState } from 'preact/hooks';
import { apiKey, onApiKeyChange, setApiKey } from '../lib/api-key';

const OPEN = 'tessera:open-key-settings';

/** Lets an error banner open the header's key settings. */
export function openKeySettings(): void {
  dispatchEvent(new Event(OPEN));
}

/** The header's key control: pasted once, kept in this browser, sent with every request. */
export function ApiKeySettings() {
  const [saved, setSaved] = useState(apiKey);
  const [draft, setDraft] = useState(saved);
  const panel = useRef<HTMLDetailsElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => onApiKeyChange(() => setSaved(apiKey())), []);
  useEffect(() => {
    const open = () => {
      if (!panel.current) return;
      panel.current.open = true;
      input.current?.focus();
    };
    addEventListener(OPEN, open);
    return () => removeEventListener(OPEN, open);
  }, []);

  function save(key: string) {
    setApiKey(key);
    setDraft(key.trim());
    if (panel.current) panel.current.open = false;
  }

  return (
    <details class="key-settings" ref={panel}>
      <summary data-testid="key-summary">{saved ? 'Key set' : 'API key'}</summary>
      <form
        class="key-form"
        onSubmit={(event) => {
          event.preventDefault();
          save(draft);
        }}
      >
        <label class="field">
          <span>API key</span>
          <input ref={input} type="password" name="api-key" autocomplete="off" spellcheck={false} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit">Save key</button>
          <button type="button" class="secondary" disabled={!saved} onClick={() => save('')}>
            Forget key
          </button>
        </div>
        <p class="muted small">Kept in this browser only and sent as a bearer token with every request.</p>
      </form>
    </details>
  );
}
