/**
 * IMAGE_TEXT_TO_TEXT: images and text in chat messages, an answer streamed as generation
 * events. The decoder runs in the text generator's loop (concurrent requests share its
 * steps), so like TEXT_GENERATION the task opens its own sessions and has no queue in front.
 */
import { verifyModelFiles } from '../../repository/repository.js';
import type { GenerationEvent, GenerationRequest } from '../../generation/types.js';
import { validateGenerationRequest } from '../../generation/validate.js';
import { TesseraError } from '../../../errors.js';
import { sessionSettings } from '../../runtime/options.js';
import { ownSessions } from '../own-sessions.js';
import { numberSetting } from '../queue-options.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { checkImageCount, DEFAULT_MAX_IMAGES, VisionLanguageModel, type VisionLanguageFiles } from './vision-language-model.js';

export interface VisionLanguageServing extends Serving {
  task: 'IMAGE_TEXT_TO_TEXT';
  model: VisionLanguageModel;
}

/** The three graphs by the file names optimum and transformers.js give them (manifest keys may differ). */
function graphFiles(files: Record<string, string>): VisionLanguageFiles {
  const find = (name: string) => Object.values(files).find((file) => file.endsWith(`${name}.onnx`) || file.includes(`${name}_`));
  const visionEncoder = find('vision_encoder');
  const embedTokens = find('embed_tokens');
  const decoder = find('decoder_model_merged') ?? find('decoder_model');
  if (!visionEncoder || !embedTokens || !decoder) {
    throw new TesseraError('MODEL_LOAD_FAILED', 'IMAGE_TEXT_TO_TEXT models need onnx/vision_encoder.onnx, onnx/embed_tokens.onnx and onnx/decoder_model_merged.onnx in files.');
  }
  return { visionEncoder, embedTokens, decoder };
}

export const visionLanguageTask = defineTask({
  task: 'IMAGE_TEXT_TO_TEXT',
  async bindLocal({ entry, runtime, logger, onCrash }) {
    const { manifest } = entry;
    const files = await verifyModelFiles(entry);
    const sessions = ownSessions(manifest.name, runtime, logger);
    const model = await VisionLanguageModel.load(entry.dir, graphFiles(files), {
      maxBatchSize: manifest.batching.maxBatchSize,
      maxQueue: manifest.batching.maxQueue,
      tokenBudget: numberSetting(manifest.settings, 'tokenBudget', 2048),
      logger,
      createSession: sessions.create,
      settings: sessionSettings(runtime),
      thread: runtime.sessionThread ?? 'worker',
      onCrash,
    });
    try {
      // Warm-up: one token about a grey image, so the whole path (preprocessing, the three
      // graphs, the splice, the template) runs once and a mismatch fails the load.
      const grey = { data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 };
      const request: GenerationRequest = { messages: [{ role: 'user', content: '', parts: [{ type: 'image', image: new Uint8Array() }, { type: 'text', text: 'a' }] }], maxTokens: 1 };
      for await (const event of model.generate(request, [grey])) {
        if (event.type === 'completed' && event.error) throw new TesseraError('MODEL_LOAD_FAILED', `The warm-up answer failed: ${event.error.message}`);
      }
    } catch (error) {
      await model.close();
      throw error;
    }
    return { task: 'IMAGE_TEXT_TO_TEXT' as const, model, executionProvider: sessions.executionProvider, close: () => model.close() };
  },

  /** Parameters, the image count and the images are checked before this returns; the work starts when iteration starts. */
  async generate(call: TaskCall<VisionLanguageServing>, request: GenerationRequest, options: { signal?: AbortSignal }): Promise<AsyncIterable<GenerationEvent>> {
    validateGenerationRequest(request);
    checkImageCount(request, numberSetting(call.manifest?.settings ?? {}, 'maxImages', DEFAULT_MAX_IMAGES));
    const images = await Promise.all(
      (request.messages ?? []).flatMap((m) => m.parts ?? []).flatMap((p) => (p.type === 'image' ? [call.decodeImage(p.image)] : [])),
    );
    const { model } = await call.serving();
    return model.generate(request, images, options);
  },
});
