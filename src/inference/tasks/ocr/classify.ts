/**
 * Text direction: a small classifier says whether each crop reads upside down, so a page
 * photographed the wrong way round still reads.
 */
import { Tensor } from 'onnxruntime-node';
import { throwIfAborted } from '../../../errors.js';
import type { OnnxRunner, Point } from '../../types.js';
import type { DecodedImage } from '../../media/image.js';
import { sampleQuad } from './crop.js';
import { quadSize } from './geometry.js';
import { packCrops } from './tensor.js';

/** The classifier was trained on 48×192 crops; narrower text is padded, wider text squeezed. */
const CLS_HEIGHT = 48;
const CLS_WIDTH = 192;

/** For each quad, true when the classifier is at least `threshold` sure the text is turned 180°. */
export async function upsideDown(
  image: DecodedImage,
  quads: Point[][],
  runner: OnnxRunner,
  options: { threshold: number; batchSize: number; signal?: AbortSignal },
): Promise<boolean[]> {
  const flags = new Array<boolean>(quads.length).fill(false);
  for (let start = 0; start < quads.length; start += options.batchSize) {
    throwIfAborted(options.signal);
    const batch = quads.slice(start, start + options.batchSize);
    const crops = batch.map((quad) => {
      const { width, height } = quadSize(quad);
      const cropWidth = Math.max(1, Math.min(CLS_WIDTH, Math.ceil((CLS_HEIGHT * width) / Math.max(height, 1))));
      return { pixels: sampleQuad(image, quad, cropWidth, CLS_HEIGHT), width: cropWidth };
    });
    const input = new Tensor('float32', packCrops(crops, CLS_HEIGHT, CLS_WIDTH), [batch.length, 3, CLS_HEIGHT, CLS_WIDTH]);
    const outputs = await runner.run({ [runner.inputNames[0]]: input }, options.signal);
    const probs = outputs[runner.outputNames[0]].data as Float32Array;
    const classes = probs.length / batch.length;
    // Class 0 is upright, class 1 is turned 180°.
    for (let i = 0; i < batch.length; i++) {
      const turned = probs[i * classes + 1];
      flags[start + i] = turned > probs[i * classes] && turned >= options.threshold;
    }
  }
  return flags;
}
