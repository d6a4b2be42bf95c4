/**
 * IMAGE_CLASSIFICATION for the standard exports (ViT, ResNet, MobileNet, ...): one graph
 * `pixel_values` → `logits`, labels from config.json `id2label`, softmax (sigmoid for
 * multi-label heads), top k. Requests stack into one run per batch.
 */
import type { DecodedImage } from '../../media/image.js';
import { Scheduler, type SchedulerOptions } from '../../scheduler/scheduler.js';
import type { OnnxRunner, RunOptions, RunStats, ScoredLabel } from '../../types.js';
import { parseImageProcessor, preprocessImage, type ImageProcessorConfig, type PixelValues } from './image-processor.js';
import { readModelJson, type ModelFolder } from './model-files.js';
import { imageBatchKey, pickOutput, runImages } from './run-images.js';
import { ranked, sigmoid, softmax } from './scores.js';

export type QueueOptions = Omit<SchedulerOptions<never, never>, 'run' | 'weight' | 'batchKey'>;

/** id2label as a dense list; a gap or a missing map is a model that cannot name its answers. */
export function labelsFrom(config: Record<string, unknown> | null): string[] {
  const map = config?.id2label;
  if (!map || typeof map !== 'object') throw new Error('config.json has no id2label');
  const entries = Object.entries(map as Record<string, unknown>);
  const labels: string[] = new Array<string>(entries.length);
  for (const [key, value] of entries) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof value !== 'string') {
      throw new Error(`config.json id2label: entry "${key}" is not a label of a dense 0-based index`);
    }
    labels[index] = value;
  }
  return labels;
}

export class ImageClassifier {
  readonly scheduler: Scheduler<PixelValues, Float32Array>;

  private constructor(
    readonly labels: string[],
    private readonly multiLabel: boolean,
    private readonly processor: ImageProcessorConfig,
    runner: OnnxRunner,
    queue: QueueOptions,
  ) {
    const output = pickOutput(runner, ['logits']);
    this.scheduler = new Scheduler<PixelValues, Float32Array>({
      ...queue,
      batchKey: imageBatchKey,
      run: (images, signal) => runImages(runner, output, images, signal),
    });
  }

  static async open(folder: ModelFolder, runner: OnnxRunner, settings: Record<string, unknown>, queue: QueueOptions): Promise<ImageClassifier> {
    const [config, preprocessor] = await Promise.all([
      readModelJson(folder, 'config', 'config.json'),
      readModelJson(folder, 'preprocessor', 'preprocessor_config.json'),
    ]);
    const multiLabel = config?.problem_type === 'multi_label_classification';
    return new ImageClassifier(labelsFrom(config), multiLabel, parseImageProcessor(preprocessor, settings), runner, queue);
  }

  async classify(image: DecodedImage, topK: number, options: RunOptions): Promise<{ labels: ScoredLabel[]; stats: RunStats }> {
    const pixels = await preprocessImage(image, this.processor);
    const { output, stats } = await this.scheduler.submit(pixels, options);
    if (output.length !== this.labels.length) {
      throw new Error(`the graph gave ${output.length} logits for ${this.labels.length} labels in config.json`);
    }
    const scores = this.multiLabel ? sigmoid(output) : softmax(output);
    return { labels: ranked(this.labels, scores, topK), stats };
  }
}
