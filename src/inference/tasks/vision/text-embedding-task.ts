/** TEXT_EMBEDDING: a sentence encoder (one graph), pooled and L2-normalised unless its settings say otherwise. */
import { fetchEmbeddings } from '../../backends/openai/embeddings.js';
import { openAIUpstream } from '../../backends/openai/upstream.js';
import type { OpenAIBackend } from '../../repository/manifest.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { RunOptions, RunStats } from '../../types.js';
import { bindPooled, onlyGraph } from '../pooled.js';
import { queueSettings } from '../queue-options.js';
import { defineTask, type BindContext, type Serving, type TaskCall } from '../task-kind.js';
import { TextEmbedder } from './text-embedder.js';

export interface TextEmbeddingServing extends Serving {
  task: 'TEXT_EMBEDDING';
  embedder: Pick<TextEmbedder, 'embed'>;
}

/** Local sessions or a KServe v2 server's graphs: the pool `bind.ts` opened for it either way. */
const bindEmbedder = (context: BindContext) =>
  bindPooled(context, async ({ opened, queue }) => {
    const { entry } = context;
    const runner = opened.pool.runner(onlyGraph(opened, 'TEXT_EMBEDDING'), entry.manifest.name);
    const embedder = await TextEmbedder.open({ dir: entry.dir, files: opened.files }, runner, entry.manifest.settings, queue(true));
    return { task: 'TEXT_EMBEDDING' as const, scheduler: embedder.scheduler, embedder };
  });

/** An OpenAI-compatible `/embeddings` behind the model's own queue, whose batches become one call each. */
async function bindOpenAIEmbedder(context: BindContext, backend: OpenAIBackend): Promise<TextEmbeddingServing> {
  const { manifest } = context.entry;
  const upstream = openAIUpstream(manifest.name, backend);
  const scheduler = new Scheduler<string, Float32Array>({
    ...queueSettings(manifest, context.logger, true),
    run: (texts, signal) => fetchEmbeddings(upstream, backend.model, texts, signal),
  });
  return {
    task: 'TEXT_EMBEDDING',
    executionProvider: 'remote',
    embedder: {
      embed: async (text, options) => {
        const { output, stats } = await scheduler.submit(text, options);
        return { vector: output, stats };
      },
    },
    close: (reason, abortRunning) => scheduler.close(reason, { abortRunning }),
  };
}

export const textEmbeddingTask = defineTask({
  task: 'TEXT_EMBEDDING',
  bindLocal: bindEmbedder,
  remote: { 'kserve-v2': bindEmbedder, openai: bindOpenAIEmbedder },

  async embed(call: TaskCall<TextEmbeddingServing>, text: string, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    return (await call.serving()).embedder.embed(text, options);
  },
});
