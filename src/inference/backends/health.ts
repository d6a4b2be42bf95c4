/**
 * Whether a model's remote engine answers ready now: KServe v2's `/v2/health/ready` and
 * `/v2/models/{m}/ready`, an OpenAI-compatible server's `GET /models`. Asked on demand
 * (listing models), under a short deadline, and never thrown: a model's health is a value.
 */
import type { Backend } from '../repository/manifest.js';
import type { BackendHealth, BackendInfo } from '../types.js';
import { openAIUpstream } from './openai/upstream.js';
import { kserveUpstream } from './kserve/graph-pool.js';
import { callUpstream, publicUrl, UpstreamCall } from './upstream.js';

export function backendInfo(backend: Backend): BackendInfo {
  return { kind: backend.kind, url: publicUrl(backend.url), model: backend.model };
}

export async function checkBackend(name: string, backend: Backend, timeoutMs = 2000): Promise<BackendHealth> {
  const checkedAt = new Date();
  try {
    const upstream = backend.kind === 'openai' ? openAIUpstream(name, backend) : kserveUpstream(name, backend);
    const paths =
      backend.kind === 'openai'
        ? ['models']
        : ['v2/health/ready', ...Object.values(backend.graphs ?? { model: backend.model }).map((m) => `v2/models/${encodeURIComponent(m)}/ready`)];
    for (const path of paths) {
      const call = new UpstreamCall({ ...upstream, timeoutMs: Math.min(timeoutMs, backend.timeoutMs) });
      try {
        const response = await callUpstream(upstream, path, {}, call);
        await response.body?.cancel();
      } finally {
        call.end();
      }
    }
    return { ready: true, problem: null, checkedAt };
  } catch (error) {
    return { ready: false, problem: (error as Error).message, checkedAt };
  }
}
