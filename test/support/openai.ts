/** The official `openai` client pointed at a test server's /v1, without retries (a refusal must show at once). */
import OpenAI from 'openai';
import type { TestServer } from './app.js';

export function openaiClient(server: TestServer, apiKey = 'unused with AUTH=off'): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
}
