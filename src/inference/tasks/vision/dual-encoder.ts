/**
 * ZERO_SHOT_IMAGE_CLASSIFICATION and embeddings on a CLIP/SigLIP dual encoder in the
 * Hugging Face layout: a text graph (input_ids[, attention_mask] → text_embeds) and a vision
 * graph (pixel_values → image_embeds). Text and image work share one queue; a batch holds
 * one modality (batchKey), stacked into one run of that tower.
 */
import type { DecodedImage } from '../../media/image.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import type { OnnxRunner, RunOptions, RunStats, ScoredLabel } from '../../types.js';
import type { QueueOptions } from './image-classifier.js';
import { parseImageProcessor, preprocessImage, type ImageProcessorConfig, type PixelValues } from './image-processor.js';
import { numberOr, readModelJson, type Json, type ModelFolder } from './model-files.js';
import { imageBatchKey, pickOutput, runImages, splitRows } from './run-images.js';
import { dot, l2Normalize, ranked, sigmoid, softmax } from './scores.js';
import { loadTextEncoding, textFeeds, tokenize, type TextEncoding } from './text-inputs.js';
import { checkTemplate } from './validate.js';

export type EncoderJob = { modality: 'TEXT'; rows: number[][] } | { modality: 'IMAGE'; pixels: PixelValues };

const DEFAULT_TEMPLATE = 'a photo of {}.';
/** Prompt embeddings kept between requests; labels repeat far more often than they change. */
const PROMPT_CACHE_SIZE = 4096;

export interface Scoring {
  /** Multiplies the cosine similarity (CLIP's exp(logit_scale)). */
  scale: number;
  bias: number;
  activation: 'softmax' | 'sigmoid';
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value : undefined;
}

/**
 * Settings win (a graph pair carries no scale of its own), then config.json's trained
 * `logit_scale`, then its initial value. SigLIP scores each label on its own (sigmoid).
 */
export function scoringFrom(config: Json | null, settings: Record<string, unknown>): Scoring {
  const logScale = numberOr(config?.logit_scale, undefined) ?? numberOr(config?.logit_scale_init_value, undefined);
  const siglip = typeof config?.model_type === 'string' && config.model_type.startsWith('siglip');
  const activation = settings.scoring === 'sigmoid' || settings.scoring === 'softmax' ? settings.scoring : siglip ? 'sigmoid' : 'softmax';
  return {
    scale: numberOr(settings.logitScale, logScale === undefined ? 100 : Math.exp(logScale)),
    bias: numberOr(settings.logitBias, numberOr(config?.logit_bias, 0)),
    activation,
  };
}

function addStats(a: RunStats, b: RunStats | undefined): RunStats {
  return b ? { queueMs: a.queueMs + b.queueMs, computeMs: a.computeMs + b.computeMs, batchSize: a.batchSize } : a;
}

export class DualEncoder {
  readonly scheduler: Scheduler<EncoderJob, Float32Array[]>;
  private readonly prompts = new Map<string, Promise<Float32Array>>();

  private constructor(
    private readonly processor: ImageProcessorConfig,
    private readonly text: TextEncoding,
    readonly scoring: Scoring,
    /** Used when a request names none; a label scores its best over them. */
    readonly templates: string[],
    private readonly maxBatchSize: number,
    runners: { text: OnnxRunner; vision: OnnxRunner },
    queue: QueueOptions,
  ) {
    const textOutput = pickOutput(runners.text, ['text_embeds', 'pooler_output']);
    const imageOutput = pickOutput(runners.vision, ['image_embeds', 'pooler_output']);
    this.scheduler = new Scheduler<EncoderJob, Float32Array[]>({
      ...queue,
      weight: (job) => (job.modality === 'TEXT' ? job.rows.length : 1),
      batchKey: (job) => (job.modality === 'TEXT' ? 'text' : `image ${imageBatchKey(job.pixels)}`),
      run: async (jobs, signal) => {
        // Embeddings are compared by cosine; exports differ on whether they normalize.
        if (jobs[0].modality === 'IMAGE') {
          const images = jobs.map((job) => (job as Extract<EncoderJob, { modality: 'IMAGE' }>).pixels);
          return (await runImages(runners.vision, imageOutput, images, signal)).map((v) => [l2Normalize(v)]);
        }
        const perJob = jobs.map((job) => (job as Extract<EncoderJob, { modality: 'TEXT' }>).rows);
        const rows = perJob.flat();
        const { feeds } = textFeeds(rows, runners.text.inputNames, this.text.padId, this.text.maxLength);
        const outputs = await runners.text.run(feeds, signal);
        const vectors = splitRows(outputs[textOutput], rows.length).map(l2Normalize);
        let next = 0;
        return perJob.map((jobRows) => vectors.slice(next, (next += jobRows.length)));
      },
    });
  }

  static async open(
    folder: ModelFolder,
    runners: { text: OnnxRunner; vision: OnnxRunner },
    settings: Record<string, unknown>,
    queue: QueueOptions,
  ): Promise<DualEncoder> {
    const [config, preprocessor] = await Promise.all([
      readModelJson(folder, 'config', 'config.json'),
      readModelJson(folder, 'preprocessor', 'preprocessor_config.json'),
    ]);
    const textConfig = config?.text_config as Json | undefined;
    const text = await loadTextEncoding(folder.dir, settings, numberOr(textConfig?.max_position_embeddings, undefined));
    const single = typeof settings.hypothesisTemplate === 'string' ? [settings.hypothesisTemplate] : undefined;
    const templates = stringList(settings.hypothesisTemplates) ?? single ?? [DEFAULT_TEMPLATE];
    templates.forEach(checkTemplate);
    return new DualEncoder(
      parseImageProcessor(preprocessor, settings),
      text,
      scoringFrom(config, settings),
      templates,
      queue.maxBatchSize,
      runners,
      queue,
    );
  }

  async embedImage(image: DecodedImage, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    const pixels = await preprocessImage(image, this.processor);
    const { output, stats } = await this.scheduler.submit({ modality: 'IMAGE', pixels }, options);
    return { vector: output[0], stats };
  }

  async embedText(text: string, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    const { output, stats } = await this.scheduler.submit({ modality: 'TEXT', rows: [tokenize(this.text, text)] }, options);
    return { vector: output[0], stats };
  }

  /**
   * Prompt embeddings, from the cache or computed in chunks of a batch each. The chunks run
   * without the request's signal: other requests may be waiting on the same prompts.
   */
  private async promptVectors(prompts: string[]): Promise<{ vectors: Float32Array[]; stats?: RunStats }> {
    const missing = [...new Set(prompts.filter((p) => !this.prompts.has(p)))];
    let stats: RunStats | undefined;
    for (let start = 0; start < missing.length; start += this.maxBatchSize) {
      const chunk = missing.slice(start, start + this.maxBatchSize);
      const job = this.scheduler.submit({ modality: 'TEXT', rows: chunk.map((p) => tokenize(this.text, p)) });
      job.then(
        (done) => (stats = addStats(done.stats, stats)),
        () => chunk.forEach((p) => this.prompts.delete(p)),
      );
      chunk.forEach((p, i) => this.prompts.set(p, job.then((done) => done.output[i])));
    }
    while (this.prompts.size > PROMPT_CACHE_SIZE) this.prompts.delete(this.prompts.keys().next().value!);
    const vectors = await Promise.all(prompts.map((p) => this.prompts.get(p)!));
    return { vectors, stats };
  }

  async zeroShot(
    image: DecodedImage,
    labels: readonly string[],
    hypothesisTemplate: string | undefined,
    options: RunOptions,
  ): Promise<{ labels: ScoredLabel[]; stats: RunStats }> {
    const templates = hypothesisTemplate !== undefined ? [hypothesisTemplate] : this.templates;
    const prompts = labels.flatMap((label) => templates.map((t) => t.replaceAll('{}', label.trim())));
    const [pictured, texts] = await Promise.all([this.embedImage(image, options), this.promptVectors(prompts)]);
    const { scale, bias, activation } = this.scoring;
    const logits = labels.map((_, i) => {
      let best = -Infinity;
      for (let t = 0; t < templates.length; t++) best = Math.max(best, dot(pictured.vector, texts.vectors[i * templates.length + t]));
      return scale * best + bias;
    });
    const scores = activation === 'sigmoid' ? sigmoid(logits) : softmax(logits);
    return { labels: ranked(labels, scores), stats: addStats(pictured.stats, texts.stats) };
  }
}
