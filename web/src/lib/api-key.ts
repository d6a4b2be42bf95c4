/**
 * The API key a person pasted into the console, kept in this browser only (localStorage),
 * so every request the console makes can carry it. Changes are announced so the header and
 * the WebSocket (whose connection_init carries the key) follow without a reload.
 */
const STORAGE_KEY = 'tessera.apiKey';
const CHANGED = 'tessera:api-key';

export function apiKey(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    // Storage can be refused (privacy settings); the console then works without a key.
    return '';
  }
}

export function setApiKey(key: string): void {
  const trimmed = key.trim();
  try {
    if (trimmed) localStorage.setItem(STORAGE_KEY, trimmed);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    return;
  }
  dispatchEvent(new Event(CHANGED));
}

export function onApiKeyChange(listener: () => void): () => void {
  addEventListener(CHANGED, listener);
  return () => removeEventListener(CHANGED, listener);
}

/** The `authorization` value for HTTP headers and the graphql-ws connection_init payload; none without a key. */
export function authorization(): { authorization: string } | Record<string, never> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Codes the server answers when a key is missing, wrong or lacks the permission. */
export const needsKey = (code: string) => code === 'UNAUTHENTICATED' || code === 'FORBIDDEN';
