/**
 * TEXT_GENERATION: a decoder LM runs in this thread with its own decode loop (see
 * `inference/generation/`), where steps of concurrent requests share one session run —
 * something a per-request queue in front of the model could not do, so it has none.
 */
import { relative } from 'node:path';
import { createSession } from '../../runtime/create-session.js';
import { sessionSettings } from '../../runtime/options.js';
import { verifyModelFiles } from '../../repository/repository.js';
import { TextGenerator } from '../../generation/text-generator.js';
import type { GenerationEvent, GenerationRequest } from '../../generation/types.js';
import type { ExecutionProviderName } from '../../types.js';
import { numberSetting } from '../queue-options.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';

export interface GenerationServing extends Serving {
  task: 'TEXT_GENERATION';
  generator: TextGenerator;
}

export const textGenerationTask = defineTask({
  task: 'TEXT_GENERATION',
  async bindLocal({ entry, runtime, logger }) {
    const { manifest } = entry;
    const files = await verifyModelFiles(entry);
    const graph = Object.keys(files).find((key) => files[key].toLowerCase().endsWith('.onnx'))!;
    let executionProvider: ExecutionProviderName = 'cpu';
    const generator = await TextGenerator.load(entry.dir, {
      graphFile: relative(entry.dir, files[graph]),
      maxBatchSize: manifest.batching.maxBatchSize,
      maxQueue: manifest.batching.maxQueue,
      tokenBudget: numberSetting(manifest.settings, 'tokenBudget', 2048),
      prefixCacheBytes: runtime.prefixCacheBytes,
      logger,
      createSession: async (file) => {
        const created = await createSession(file, sessionSettings(runtime));
        executionProvider = created.executionProvider;
        if (created.fallbackReason) {
          logger.warn({ model: manifest.name, reason: created.fallbackReason }, `model ${manifest.name}: falling back to the CPU execution provider`);
        }
        return created.session;
      },
    });
    try {
      // Warm-up: one token, so the first user request does not pay for graph initialisation.
      for await (const _event of generator.generate({ prompt: 'a', maxTokens: 1 })) void _event;
    } catch (error) {
      await generator.close();
      throw error;
    }
    return { task: 'TEXT_GENERATION' as const, generator, executionProvider, close: () => generator.close() };
  },

  /** Checks the request against the model and returns its event stream; work starts when iteration starts. */
  async generate(call: TaskCall<GenerationServing>, request: GenerationRequest, options: { signal?: AbortSignal }): Promise<AsyncIterable<GenerationEvent>> {
    const { generator } = await call.serving();
    // A chat format without an end-of-turn token runs on into the next turn; the manifest
    // names where a turn ends (settings.chatStop), used unless the client sets its own stops.
    const chatStop = call.manifest?.settings.chatStop;
    const withStops = request.messages && request.stop === undefined && Array.isArray(chatStop) ? { ...request, stop: chatStop as string[] } : request;
    return generator.generate(withStops, options);
  },
});
