import type { ApiError } from '../api';
import { needsKey } from '../lib/api-key';
import { openKeySettings } from './api-key-settings';

/** The server's extensions.code and message, as it sent them; a refused key says where to set one. */
export function ErrorBox({ error }: { error: Pick<ApiError, 'code' | 'message'> | null | undefined }) {
  if (!error) return null;
  return (
    // A cancellation is something a person asked for, not a failure: same words, quieter colours.
    <div class={error.code === 'CANCELLED' ? 'error notice' : 'error'} role="alert">
      <code class="error-code">{error.code}</code>
      <span class="error-message">{error.message}</span>
      {needsKey(error.code) && (
        <p class="error-hint" data-testid="key-hint">
          {error.code === 'FORBIDDEN' ? 'The API key in use may not do this; paste one that may.' : 'This server needs an API key.'}{' '}
          <button type="button" class="link" onClick={openKeySettings}>
            Set the API key
          </button>
        </p>
      )}
    </div>
  );
}
