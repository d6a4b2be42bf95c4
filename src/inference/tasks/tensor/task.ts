/**
 * TENSOR: named tensors in, named tensors out, for any single-graph model. Requests with
 * the same non-batch dims are stacked along axis 0 when the graph has a dynamic batch axis.
 */
import { hasBatchAxis, splitOutputs, stackFeeds, tensorRequest, type TensorInput, type TensorOutput, type TensorRequest } from '../../runtime/tensor-batching.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { RunOptions, RunStats } from '../../types.js';
import { bindPooled, onlyGraph } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';

export interface TensorResult {
  outputs: Record<string, TensorOutput>;
  stats: RunStats;
}

export interface TensorServing extends Serving {
  task: 'TENSOR';
  scheduler: Scheduler<TensorRequest, Record<string, TensorOutput>>;
  metadata: Parameters<typeof tensorRequest>[1];
  batchable: boolean;
}

export const tensorTask = defineTask({
  task: 'TENSOR',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened, queue }) => {
      const graph = onlyGraph(opened, 'TENSOR');
      const runner = opened.pool.runner(graph, context.entry.manifest.name);
      const metadata = opened.pool.metadata[graph];
      const batchable = hasBatchAxis(metadata);
      const scheduler = new Scheduler<TensorRequest, Record<string, TensorOutput>>({
        ...queue(batchable),
        weight: (request) => request.rows,
        batchKey: (request) => request.key,
        run: async (requests, signal) => {
          const outputs = await runner.run(batchable ? stackFeeds(requests) : requests[0].feeds, signal);
          return splitOutputs(outputs, requests, batchable);
        },
      });
      return { task: 'TENSOR' as const, scheduler, metadata, batchable };
    }),

  /** int64 outputs come back as JS numbers (exact up to 2^53). */
  async runTensors(call: TaskCall<TensorServing>, feeds: Record<string, TensorInput>, options: RunOptions): Promise<TensorResult> {
    const serving = await call.serving();
    const request = tensorRequest(feeds, serving.metadata, serving.batchable);
    const { output, stats } = await serving.scheduler.submit(request, options);
    return { outputs: output, stats };
  },
});
