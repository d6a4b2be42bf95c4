/** TEXT_EMBEDDING: a sentence encoder (one graph), pooled and L2-normalised unless its settings say otherwise. */
import type { RunOptions, RunStats } from '../../types.js';
import { bindPooled, onlyGraph } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { TextEmbedder } from './text-embedder.js';

export interface TextEmbeddingServing extends Serving {
  task: 'TEXT_EMBEDDING';
  scheduler: TextEmbedder['scheduler'];
  embedder: TextEmbedder;
}

export const textEmbeddingTask = defineTask({
  task: 'TEXT_EMBEDDING',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened, queue }) => {
      const { entry } = context;
      const runner = opened.pool.runner(onlyGraph(opened, 'TEXT_EMBEDDING'), entry.manifest.name);
      const embedder = await TextEmbedder.open({ dir: entry.dir, files: opened.files }, runner, entry.manifest.settings, queue(true));
      return { task: 'TEXT_EMBEDDING' as const, scheduler: embedder.scheduler, embedder };
    }),

  async embed(call: TaskCall<TextEmbeddingServing>, text: string, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    return (await call.serving()).embedder.embed(text, options);
  },
});
