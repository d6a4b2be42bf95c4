/**
 * TEXT_GENERATION: a decoder LM runs its own decode loop (see `inference/generation/`) on a
 * thread beside its session (`inference/decode-thread/`), where steps of concurrent requests
 * share one session run — something a per-request queue in front of the model could not do,
 * so it has none.
 */
import { relative } from 'node:path';
import { verifyModelFiles } from '../../repository/repository.js';
import type { TextGeneratorInfo } from '../../generation/text-generator.js';
import { loadTextGenerator } from '../../decode-thread/load-generator.js';
import { sessionSettings } from '../../runtime/options.js';
import type { GenerationEvent, GenerationRequest } from '../../generation/types.js';
import type { ExecutionProviderName } from '../../types.js';
import { RemoteGenerator } from '../../backends/openai/generator.js';
import { openAIUpstream } from '../../backends/openai/upstream.js';
import { imageCount, messageText } from '../../generation/validate.js';
import { badInput } from '../../../errors.js';
import { numberSetting } from '../queue-options.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';

export interface GenerationServing extends Serving {
  task: 'TEXT_GENERATION';
  generator: Pick<TextGeneratorInfo, 'generate'>;
}

/** Text-only chat templates expect a message's content as one string. */
function textPartsAsContent(request: GenerationRequest): GenerationRequest {
  if (!request.messages?.some((m) => m.parts)) return request;
  return { ...request, messages: request.messages.map(({ parts: _parts, ...m }) => (_parts ? { ...m, content: messageText({ ...m, parts: _parts }) } : m)) };
}

export const textGenerationTask = defineTask({
  task: 'TEXT_GENERATION',
  async bindLocal({ entry, runtime, logger, onCrash }): Promise<GenerationServing> {
    const { manifest } = entry;
    const files = await verifyModelFiles(entry);
    const graph = Object.keys(files).find((key) => files[key].toLowerCase().endsWith('.onnx'))!;
    const { generator, executionProvider, fallbackReasons } = await loadTextGenerator(
      {
        dir: entry.dir,
        graphFile: relative(entry.dir, files[graph]),
        maxBatchSize: manifest.batching.maxBatchSize,
        maxQueue: manifest.batching.maxQueue,
        tokenBudget: numberSetting(manifest.settings, 'tokenBudget', 2048),
        prefixCacheBytes: runtime.prefixCacheBytes,
        settings: sessionSettings(runtime),
      },
      runtime.sessionThread ?? 'worker',
      logger,
      onCrash,
    );
    for (const reason of fallbackReasons) logger.warn({ model: manifest.name, reason }, `model ${manifest.name}: falling back to the CPU execution provider`);
    try {
      // Warm-up: one token, so the first user request does not pay for graph initialisation.
      for await (const _event of generator.generate({ prompt: 'a', maxTokens: 1 })) void _event;
    } catch (error) {
      await generator.close();
      throw error;
    }
    return {
      task: 'TEXT_GENERATION' as const,
      generator,
      executionProvider,
      prefixCache: () => generator.prefixCacheStats(),
      close: () => generator.close(),
    };
  },

  remote: {
    /** Streams from an OpenAI-compatible server; at most concurrency + maxQueue streams open at once. */
    async openai({ entry }, backend): Promise<GenerationServing> {
      const { batching, name } = entry.manifest;
      const generator = new RemoteGenerator({ upstream: openAIUpstream(name, backend), model: backend.model, maxStreams: batching.concurrency + batching.maxQueue });
      return { task: 'TEXT_GENERATION' as const, generator, executionProvider: 'remote' as const, close: (reason, abortRunning) => generator.close(reason, abortRunning) };
    },
  },

  /** Checks the request against the model and returns its event stream; work starts when iteration starts. */
  async generate(call: TaskCall<GenerationServing>, request: GenerationRequest, options: { signal?: AbortSignal }): Promise<AsyncIterable<GenerationEvent>> {
    if (imageCount(request) > 0) {
      throw badInput(`${call.model} is a text-only model; a request with images needs an IMAGE_TEXT_TO_TEXT model.`, { parameter: 'model', model: call.model });
    }
    const { generator } = await call.serving();
    // A chat format without an end-of-turn token runs on into the next turn; the manifest
    // names where a turn ends (settings.chatStop), used unless the client sets its own stops.
    const chatStop = call.manifest?.settings.chatStop;
    const textOnly = textPartsAsContent(request);
    const withStops = textOnly.messages && textOnly.stop === undefined && Array.isArray(chatStop) ? { ...textOnly, stop: chatStop as string[] } : textOnly;
    return generator.generate(withStops, options);
  },
});
