/**
 * ZERO_SHOT_IMAGE_CLASSIFICATION on a dual encoder (CLIP, SigLIP): an image scored against
 * labels chosen per request; the same model embeds text and images into one space.
 */
import type { ClassificationResult, EmbeddingInput, RunOptions, RunStats } from '../../types.js';
import { bindPooled } from '../pooled.js';
import { defineTask, type Serving, type TaskCall } from '../task-kind.js';
import { DualEncoder } from './dual-encoder.js';
import { checkLabels, checkTemplate } from './validate.js';

export interface ZeroShotServing extends Serving {
  task: 'ZERO_SHOT_IMAGE_CLASSIFICATION';
  scheduler: DualEncoder['scheduler'];
  encoder: DualEncoder;
}

/** `text`/`vision`, or the keys a pulled HF export gets from its file names. */
const GRAPH_KEYS = { text: ['text', 'text_model'], vision: ['vision', 'vision_model'] };

export const zeroShotTask = defineTask({
  task: 'ZERO_SHOT_IMAGE_CLASSIFICATION',
  bindLocal: (context) =>
    bindPooled(context, async ({ opened: { pool, files }, queue }) => {
      const { dir, manifest } = context.entry;
      const [text, vision] = [GRAPH_KEYS.text, GRAPH_KEYS.vision].map((keys) => keys.find((key) => pool.metadata[key]));
      if (!text || !vision) throw new Error('dual-encoder models need files.text and files.vision (.onnx graphs)');
      const encoder = await DualEncoder.open(
        { dir, files },
        { text: pool.runner(text, `${manifest.name}/text`), vision: pool.runner(vision, `${manifest.name}/vision`) },
        manifest.settings,
        queue(true),
      );
      return { task: 'ZERO_SHOT_IMAGE_CLASSIFICATION' as const, scheduler: encoder.scheduler, encoder };
    }),

  /** Without a hypothesisTemplate, each label scores its best over the manifest's templates. */
  async classify(
    call: TaskCall<ZeroShotServing>,
    image: Uint8Array,
    labels: string[],
    options: RunOptions & { hypothesisTemplate?: string },
  ): Promise<ClassificationResult> {
    checkLabels(labels);
    if (options.hypothesisTemplate !== undefined) checkTemplate(options.hypothesisTemplate);
    const decoded = await call.decodeImage(image);
    const { encoder } = await call.serving();
    return { ...(await encoder.zeroShot(decoded, labels, options.hypothesisTemplate, options)), model: call.model };
  },

  /** Exactly one of text or image, already checked by the engine. */
  async embed(call: TaskCall<ZeroShotServing>, input: EmbeddingInput, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    const decoded = input.image ? await call.decodeImage(input.image) : undefined;
    const { encoder } = await call.serving();
    return decoded ? encoder.embedImage(decoded, options) : encoder.embedText(input.text!, options);
  },
});
