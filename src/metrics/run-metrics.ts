/**
 * The request series, observed in one place: the run service tells this observer about every
 * transition of every request, so counts follow the history exactly (a request is counted
 * when its final row is written, with that row's status, code, timings and tokens), and the
 * queue and running gauges are the requests between those transitions, for every task alike.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestRow } from '../db/request-store.js';
import type { RunObserver } from '../runs/observer.js';
import { BATCH_SIZES, REQUEST_SECONDS, TOKEN_SECONDS } from './buckets.js';

const MODEL_TASK = ['model', 'task'] as const;
type Stage = 'queued' | 'running';

export function runMetrics(registry: Registry): RunObserver {
  const registers = [registry];
  const requests = new Counter({
    name: 'tessera_requests_total',
    help: 'Requests that reached a final state (status COMPLETED, FAILED, CANCELLED) or were refused before any work (status REFUSED), by error code ("none" when completed).',
    labelNames: [...MODEL_TASK, 'status', 'code'],
    registers,
  });
  const queueSeconds = new Histogram({ name: 'tessera_request_queue_seconds', help: 'Time from acceptance until the work started.', labelNames: MODEL_TASK, buckets: REQUEST_SECONDS, registers });
  const computeSeconds = new Histogram({ name: 'tessera_request_compute_seconds', help: 'Time from the start of the work until its final state.', labelNames: MODEL_TASK, buckets: REQUEST_SECONDS, registers });
  const firstToken = new Histogram({ name: 'tessera_time_to_first_token_seconds', help: 'Time from the start of the work until its first output.', labelNames: MODEL_TASK, buckets: TOKEN_SECONDS, registers });
  const perToken = new Histogram({ name: 'tessera_time_per_output_token_seconds', help: 'Mean time per generated token after the first, one observation per request.', labelNames: MODEL_TASK, buckets: TOKEN_SECONDS, registers });
  const generated = new Counter({ name: 'tessera_generated_tokens_total', help: 'Tokens generated, as recorded in the request history.', labelNames: MODEL_TASK, registers });
  const prompt = new Counter({ name: 'tessera_prompt_tokens_total', help: 'Prompt tokens read, as recorded in the request history.', labelNames: MODEL_TASK, registers });
  const batchSize = new Histogram({ name: 'tessera_batch_size', help: 'The size of the batch each request ran in.', labelNames: MODEL_TASK, buckets: BATCH_SIZES, registers });
  const queueDepth = new Gauge({ name: 'tessera_queue_depth', help: 'Accepted requests waiting for their work to start.', labelNames: MODEL_TASK, registers });
  const running = new Gauge({ name: 'tessera_running_requests', help: 'Requests whose work is running now.', labelNames: MODEL_TASK, registers });

  const stages = new Map<string, Stage>();
  const labels = (row: RequestRow) => ({ model: row.model, task: row.task });
  const leave = (row: RequestRow) => {
    const stage = stages.get(row.id);
    if (!stage) return;
    stages.delete(row.id);
    (stage === 'queued' ? queueDepth : running).dec(labels(row));
  };

  return {
    created(row) {
      stages.set(row.id, 'queued');
      queueDepth.inc(labels(row));
      // Make the series exist at zero, so a rate over them is defined from the first request on.
      running.inc(labels(row), 0);
    },
    running(row) {
      if (stages.get(row.id) !== 'queued') return;
      stages.set(row.id, 'running');
      queueDepth.dec(labels(row));
      running.inc(labels(row));
    },
    settled(row) {
      leave(row);
      const at = labels(row);
      requests.inc({ ...at, status: row.status, code: row.errorCode ?? 'none' });
      if (row.queueMs != null) queueSeconds.observe(at, row.queueMs / 1000);
      if (row.computeMs != null) computeSeconds.observe(at, row.computeMs / 1000);
      if (row.batchSize != null) batchSize.observe(at, row.batchSize);
      if (row.promptTokens) prompt.inc(at, row.promptTokens);
      if (row.completionTokens) generated.inc(at, row.completionTokens);
      if (row.firstOutputAt && row.startedAt) {
        firstToken.observe(at, Math.max(0, row.firstOutputAt.getTime() - row.startedAt.getTime()) / 1000);
        if (row.finishedAt && row.completionTokens && row.completionTokens > 1) {
          perToken.observe(at, Math.max(0, row.finishedAt.getTime() - row.firstOutputAt.getTime()) / 1000 / (row.completionTokens - 1));
        }
      }
    },
    refused(row, code) {
      leave(row);
      requests.inc({ ...labels(row), status: 'REFUSED', code });
    },
    ended: leave,
  };
}
