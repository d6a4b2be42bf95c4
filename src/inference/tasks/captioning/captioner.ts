/**
 * A loaded vision-encoder-decoder captioner: preprocessing, the encoder and decoder graphs,
 * the tokenizer, and a scheduler that groups concurrent requests into static batches.
 *
 * A batch encodes its images in one run, then decodes them step by step together: every
 * caption starts from the decoder start token, so rows stay the same length and need no
 * padding; a finished or cancelled row leaves the batch (its cache rows are dropped).
 * Sampling, stop strings, streaming text and timings are the generation engine's
 * `Sequence`, so a caption streams the same events as `generate`.
 */
import { Tensor } from 'onnxruntime-node';
import { TesseraError, isTesseraError } from '../../../errors.js';
import type { DecodedImage } from '../../media/image.js';
import type { GraphMetadata } from '../../repository/signature.js';
import type { KvCache } from '../../generation/kv-cache.js';
import { Sequence } from '../../generation/sequence.js';
import { EventChannel } from '../../generation/event-channel.js';
import { TextTokenizer } from '../../generation/tokenizer.js';
import type { GenerationEvent } from '../../generation/types.js';
import { Scheduler, type SchedulerOptions } from '../../scheduler/scheduler.js';
import type { OnnxRunner } from '../../types.js';
import { parseImageProcessor, preprocessImage, type ImageProcessorConfig, type PixelValues } from '../vision/image-processor.js';
import { readModelJson, type ModelFolder } from '../vision/model-files.js';
import { parseCaptionConfig, type CaptionConfig } from './config.js';
import { CaptionDecoder, keepCacheRows, keepTensorRows } from './decoder-step.js';
import { validateCaptionRequest, type CaptionRequest } from './request.js';
import { describeCaptionDecoder, describeEncoder, type EncoderSignature } from './signature.js';

interface CaptionJob {
  sequence: Sequence;
  pixels: PixelValues;
}

export interface CaptionerParts {
  folder: ModelFolder;
  runners: { encoder: OnnxRunner; decoder: OnnxRunner };
  metadata: { encoder: GraphMetadata; decoder: GraphMetadata };
  scheduler: Omit<SchedulerOptions<CaptionJob, void>, 'run' | 'batchKey'>;
}

const errorInfo = (error: unknown) =>
  isTesseraError(error)
    ? { code: error.code, message: error.message }
    : { code: 'INFERENCE_FAILED', message: error instanceof Error ? error.message : String(error) };

export class ImageCaptioner {
  readonly scheduler: Scheduler<CaptionJob, void>;
  private readonly maxQueue: number;

  private constructor(
    private readonly encoder: OnnxRunner,
    private readonly encoderSignature: EncoderSignature,
    private readonly decoder: CaptionDecoder,
    readonly tokenizer: TextTokenizer,
    readonly config: CaptionConfig,
    private readonly processor: ImageProcessorConfig,
    schedulerOptions: CaptionerParts['scheduler'],
  ) {
    this.maxQueue = schedulerOptions.maxQueue;
    this.scheduler = new Scheduler<CaptionJob, void>({
      ...schedulerOptions,
      // Images of one size stack on the batch axis; processors give one size per model.
      batchKey: (job) => `${job.pixels.height}x${job.pixels.width}`,
      run: async (jobs, signal) => {
        await this.decodeBatch(jobs, signal);
        return jobs.map(() => undefined);
      },
    });
  }

  static async open(parts: CaptionerParts): Promise<ImageCaptioner> {
    const { folder, runners, metadata } = parts;
    const [config, generation, preprocessor, tokenizer] = await Promise.all([
      readModelJson(folder, 'config', 'config.json'),
      readModelJson(folder, 'generation_config', 'generation_config.json'),
      readModelJson(folder, 'preprocessor', 'preprocessor_config.json'),
      TextTokenizer.load(folder.dir),
    ]);
    const captionConfig = parseCaptionConfig(config ?? {}, generation ?? {}, tokenizer);
    const encoderSignature = describeEncoder(metadata.encoder);
    const decoderSignature = describeCaptionDecoder(metadata.decoder);
    const kvHeads = decoderSignature.kvHeads ?? captionConfig.kvHeads;
    const headDim = decoderSignature.headDim ?? captionConfig.headDim;
    if (decoderSignature.layers.length > 0 && (!kvHeads || !headDim)) {
      throw new Error("neither the decoder graph nor config.json's decoder section gives the cache's head count and head size");
    }
    const decoder = new CaptionDecoder(runners.decoder, decoderSignature, { kvHeads: kvHeads ?? 0, headDim: headDim ?? 0 });
    const processor = parseImageProcessor(preprocessor);
    return new ImageCaptioner(runners.encoder, encoderSignature, decoder, tokenizer, captionConfig, processor, parts.scheduler);
  }

  /** Checks the parameters against this model; BAD_USER_INPUT before any work. */
  validate(request: CaptionRequest): void {
    validateCaptionRequest(request, this.config.contextLength);
  }

  /** Decoded pixels → the encoder's pixel_values (resize, rescale, normalise, planar RGB). */
  async preprocess(image: DecodedImage): Promise<PixelValues> {
    const pixels = await preprocessImage(image, this.processor);
    const fixed = this.encoderSignature.imageSize;
    if (fixed && (fixed.height !== pixels.height || fixed.width !== pixels.width)) {
      throw new TesseraError(
        'MODEL_LOAD_FAILED',
        `preprocessor_config.json gives ${pixels.width}×${pixels.height} images; the encoder takes ${fixed.width}×${fixed.height}.`,
      );
    }
    return pixels;
  }

  /**
   * Streams one caption: `started` when the request leaves the queue, `token`s, then
   * `completed`. Work starts when iteration starts; ending the iteration early cancels it
   * like the signal does.
   */
  caption(pixels: PixelValues, request: CaptionRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<GenerationEvent> {
    this.validate(request);
    if (this.scheduler.queued >= this.maxQueue) {
      throw new TesseraError('OVERLOADED', `The captioner's queue is full (${this.maxQueue} waiting); retry later.`, { limit: this.maxQueue });
    }
    const maxTokens = request.maxTokens ?? this.config.defaultMaxTokens;
    const { tokenizer, scheduler, config } = this;
    const outer = options.signal;
    return {
      [Symbol.asyncIterator]: async function* () {
        const events = new EventChannel<GenerationEvent>();
        const sequence = new Sequence({
          events,
          promptIds: [config.decoderStartTokenId],
          maxTokens,
          eosTokenIds: new Set(config.eosTokenIds),
          request,
          tokenizer,
        });
        const local = new AbortController();
        const cancel = () => {
          sequence.cancelRequested = true;
          local.abort(outer?.reason);
        };
        if (outer?.aborted) cancel();
        else outer?.addEventListener('abort', cancel, { once: true });
        scheduler.submit({ sequence, pixels }, { signal: local.signal, onStart: () => sequence.start() }).catch((error: unknown) => {
          // Left the queue unserved (cancelled, shut down, overloaded), or the batch failed.
          if (local.signal.aborted) sequence.finishFlushing('CANCELLED');
          else sequence.finishFlushing('ERROR', errorInfo(error));
        });
        try {
          yield* events;
        } finally {
          outer?.removeEventListener('abort', cancel);
          if (!sequence.done) cancel();
        }
      },
    };
  }

  private async decodeBatch(jobs: CaptionJob[], signal: AbortSignal): Promise<void> {
    const { height, width } = jobs[0].pixels;
    const plane = 3 * height * width;
    const stacked = new Float32Array(jobs.length * plane);
    jobs.forEach((job, i) => stacked.set(job.pixels.data, i * plane));
    let rows = jobs.map((j) => j.sequence);
    let cache: KvCache | null = null;
    let crossCache: KvCache | null = null;
    try {
      const encoded = await this.encoder.run(
        { [this.encoderSignature.pixelValues]: new Tensor('float32', stacked, [jobs.length, 3, height, width]) },
        signal,
      );
      let states = encoded[this.encoderSignature.hiddenStates];
      cache = this.decoder.emptyCache(rows.length);
      const start = this.config.decoderStartTokenId;
      for (;;) {
        // Rows end here (cancelled) or in accept (eos, length, stop string); the rest go on.
        const keep: number[] = [];
        rows.forEach((s, i) => {
          if (!s.done && (s.cancelRequested || signal.aborted)) s.finishFlushing('CANCELLED');
          if (!s.done) keep.push(i);
        });
        if (keep.length === 0) return;
        if (keep.length < rows.length) {
          states = keepTensorRows(states, keep);
          const shrink = (from: KvCache | null) => {
            if (!from) return null;
            const kept = keepCacheRows(from, keep);
            from.dispose();
            return kept;
          };
          cache = shrink(cache);
          crossCache = shrink(crossCache);
          rows = keep.map((i) => rows[i]);
        }
        for (const s of rows) s.sharedBatch(rows.length);
        const tokens = rows.map((s) => (this.decoder.cached ? [s.generated.at(-1) ?? start] : [start, ...s.generated]));
        const step = await this.decoder.forward({ tokens, encoderStates: states, past: cache, crossPast: crossCache, signal });
        cache?.dispose();
        cache = step.present;
        crossCache ??= step.crossPresent;
        rows.forEach((s, i) => {
          if (!s.done && !s.cancelRequested) s.accept(step.logits.subarray(i * step.vocab, (i + 1) * step.vocab));
        });
      }
    } catch (error) {
      for (const s of rows) {
        if (s.cancelRequested || signal.aborted) s.finishFlushing('CANCELLED');
        else s.finishFlushing('ERROR', errorInfo(error));
      }
    } finally {
      cache?.dispose();
      crossCache?.dispose();
    }
  }
}
