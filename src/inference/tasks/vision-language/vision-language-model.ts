/**
 * A loaded decoder vision-language model in the transformers.js / optimum layout:
 * `vision_encoder.onnx` (pixel_values -> image features), `embed_tokens.onnx` (input_ids ->
 * inputs_embeds) and `decoder_model_merged.onnx` (inputs_embeds + cache -> logits). The
 * decoder runs in the text generator's own loop, so sampling, stop strings, streaming,
 * cancellation and batching are exactly those of text generation; this class only turns
 * images and the chat into the prompt's ids and the features spliced in at its placeholders.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { TesseraError, badInput } from '../../../errors.js';
import type { TextGeneratorInfo } from '../../generation/text-generator.js';
import { loadTextGenerator } from '../../decode-thread/load-generator.js';
import type { DecodeThreadSpec } from '../../decode-thread/protocol.js';
import type { GenerationLogger } from '../../generation/types.js';
import type { GenerationEvent, GenerationRequest } from '../../generation/types.js';
import { imageCount } from '../../generation/validate.js';
import type { DecodedImage } from '../../media/image.js';
import { parseImageProcessor } from '../vision/image-processor.js';
import { expandImagePlaceholders } from './prompt.js';
import { VisionEncoder } from './vision-encoder.js';

type Json = Record<string, unknown>;

export interface VisionLanguageFiles {
  visionEncoder: string;
  embedTokens: string;
  decoder: string;
}

export type VisionLanguageOptions = Omit<DecodeThreadSpec, 'dir' | 'graphFile' | 'embedder'> & {
  /** Where the decoder's loop runs (see loadTextGenerator); the vision encoder opens through `createSession`. */
  thread: 'worker' | 'main';
  createSession: (file: string) => Promise<InferenceSession>;
  logger?: GenerationLogger;
  onCrash?: (error: Error) => void;
};

/** Images one request may carry unless the manifest's settings.maxImages says otherwise. */
export const DEFAULT_MAX_IMAGES = 1;

/** Cheap checks of a request's images, before any image is decoded or the model loaded. */
export function checkImageCount(request: GenerationRequest, maxImages: number): void {
  const count = imageCount(request);
  if (count > maxImages) {
    throw badInput(`This model takes at most ${maxImages} image(s) per request; the messages hold ${count}.`, { parameter: 'messages', limit: maxImages });
  }
}

async function readJson(file: string): Promise<Json | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Json;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TesseraError('MODEL_LOAD_FAILED', `Cannot read ${path.basename(file)}: ${(error as Error).message}`);
  }
}

const positiveInt = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);

export class VisionLanguageModel {
  private constructor(
    readonly generator: TextGeneratorInfo,
    private readonly vision: VisionEncoder,
    private readonly imageTokenId: number,
  ) {}

  static async load(dir: string, files: VisionLanguageFiles, options: VisionLanguageOptions): Promise<VisionLanguageModel> {
    const [config, preprocessor] = await Promise.all([readJson(path.join(dir, 'config.json')), readJson(path.join(dir, 'preprocessor_config.json'))]);
    if (!preprocessor) throw new TesseraError('MODEL_LOAD_FAILED', 'A vision-language model needs preprocessor_config.json.');
    // SmolVLM and Idefics name it image_token_id, LLaVA image_token_index.
    const imageTokenId = positiveInt(config?.image_token_id) ?? positiveInt(config?.image_token_index);
    if (imageTokenId === undefined) throw new TesseraError('MODEL_LOAD_FAILED', 'config.json names no image_token_id (or image_token_index).');
    const opened: InferenceSession[] = [];
    const open = async (file: string) => {
      const session = await options.createSession(file);
      opened.push(session);
      return session;
    };
    try {
      const vision = new VisionEncoder(await open(files.visionEncoder), parseImageProcessor(preprocessor), positiveInt(config?.image_seq_len));
      const { thread, createSession: _open, logger, onCrash, ...sizes } = options;
      // The token embedder runs beside the decoder, on its thread; image features cross to it.
      const { generator } = await loadTextGenerator(
        { ...sizes, dir, graphFile: path.relative(dir, files.decoder), embedder: { file: files.embedTokens, imageTokenId } },
        thread,
        logger,
        onCrash,
      );
      if (!generator.signature.inputsEmbeds) {
        await generator.close();
        throw new TesseraError('MODEL_LOAD_FAILED', 'decoder_model_merged.onnx takes input_ids; a vision-language decoder takes inputs_embeds.');
      }
      if (!generator.tokenizer.hasChatTemplate) {
        await generator.close();
        throw new TesseraError('MODEL_LOAD_FAILED', 'A vision-language model needs a chat template to place its images.');
      }
      return new VisionLanguageModel(generator, vision, imageTokenId);
    } catch (error) {
      await Promise.all(opened.map((s) => s.release().catch(() => undefined)));
      throw error;
    }
  }

  /**
   * The generation's stream: the prompt is tokenized and checked now (bad input fails
   * here); the vision encoder runs when iteration starts, as part of the request's work.
   */
  generate(request: GenerationRequest, images: readonly DecodedImage[], options: { signal?: AbortSignal } = {}): AsyncIterable<GenerationEvent> {
    const rendered = this.generator.promptIds(request);
    const ids = images.length > 0 ? expandImagePlaceholders(rendered, this.imageTokenId, this.vision.tokensPerImage, images.length) : rendered;
    const vision = this.vision;
    return this.generator.generate(request, {
      signal: options.signal,
      prompt: { ids, imageFeatures: images.length > 0 ? () => vision.encode(images) : undefined },
    });
  }

  async close(): Promise<void> {
    await this.generator.close();
    await this.vision.release();
  }
}
