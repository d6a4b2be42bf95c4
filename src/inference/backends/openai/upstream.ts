/** An `openai` backend as an upstream: its base URL (ending in /v1 as these servers mount it) and its key. */
import { TesseraError } from '../../../errors.js';
import type { OpenAIBackend } from '../../repository/manifest.js';
import type { Upstream } from '../upstream.js';

export function openAIUpstream(model: string, backend: OpenAIBackend, env: NodeJS.ProcessEnv = process.env): Upstream {
  const headers: Record<string, string> = {};
  if (backend.apiKey) {
    const name = backend.apiKey.slice('env:'.length);
    const key = env[name];
    if (!key) throw new TesseraError('MODEL_LOAD_FAILED', `backend.apiKey names the environment variable ${name}, which is not set.`);
    headers.authorization = `Bearer ${key}`;
  }
  return { what: `openai backend of "${model}"`, url: backend.url, timeoutMs: backend.timeoutMs, headers };
}
