/**
 * The image half of a decoder vision-language model: `preprocessor_config.json` and
 * `vision_encoder.onnx` turn images into the feature vectors that stand in for the
 * prompt's image placeholder tokens.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { TesseraError } from '../../../errors.js';
import type { DecodedImage } from '../../media/image.js';
import { preprocessImage, type ImageProcessorConfig } from '../vision/image-processor.js';

const fail = (message: string) => new TesseraError('MODEL_LOAD_FAILED', message);

export class VisionEncoder {
  private readonly inputName: string;
  private readonly outputName: string;
  /** Feature vectors per image, from the graph's output shape or config.json's image_seq_len. */
  readonly tokensPerImage: number;

  constructor(
    private readonly session: InferenceSession,
    private readonly processor: ImageProcessorConfig,
    configuredTokens: number | undefined,
  ) {
    this.inputName = session.inputNames.includes('pixel_values') ? 'pixel_values' : session.inputNames[0];
    this.outputName = session.outputNames.includes('image_features') ? 'image_features' : session.outputNames[0];
    const meta = session.outputMetadata.find((m) => m.name === this.outputName);
    const shape = meta && meta.isTensor ? meta.shape : [];
    const fromGraph = typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : undefined;
    const tokens = fromGraph ?? configuredTokens;
    if (!tokens) throw fail('Neither vision_encoder.onnx nor config.json (image_seq_len) says how many features an image gives.');
    if (fromGraph && configuredTokens && fromGraph !== configuredTokens) {
      throw fail(`config.json says ${configuredTokens} features per image; vision_encoder.onnx gives ${fromGraph}.`);
    }
    this.tokensPerImage = tokens;
  }

  /** All images' features, image after image: images x tokensPerImage x hidden. */
  async encode(images: readonly DecodedImage[]): Promise<Float32Array> {
    const pixels = await Promise.all(images.map((image) => preprocessImage(image, this.processor)));
    const { height, width } = pixels[0];
    const size = 3 * height * width;
    const data = new Float32Array(images.length * size);
    pixels.forEach((p, i) => data.set(p.data, i * size));
    const input = new Tensor('float32', data, [images.length, 3, height, width]);
    const out = await this.session.run({ [this.inputName]: input }, [this.outputName]);
    input.dispose();
    const features = out[this.outputName];
    if (features.type !== 'float32') throw new TesseraError('INFERENCE_FAILED', `The vision encoder gave ${features.type} features; float32 is supported.`);
    if (features.dims[1] !== this.tokensPerImage) {
      throw new TesseraError('INFERENCE_FAILED', `The vision encoder gave ${features.dims[1]} features per image; expected ${this.tokensPerImage}.`);
    }
    return features.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
