import type { ApiError } from '../api';

/** The server's extensions.code and message, as it sent them. */
export function ErrorBox({ error }: { error: Pick<ApiError, 'code' | 'message'> | null | undefined }) {
  if (!error) return null;
  return (
    // A cancellation is something a person asked for, not a failure: same words, quieter colours.
    <div class={error.code === 'CANCELLED' ? 'error notice' : 'error'} role="alert">
      <code class="error-code">{error.code}</code>
      <span class="error-message">{error.message}</span>
    </div>
  );
}
