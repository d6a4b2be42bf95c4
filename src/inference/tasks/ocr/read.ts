/**
 * Recognition: crops at a fixed height, width following the text's aspect ratio, batched with
 * crops of similar shape so little of each batch is padding, decoded by greedy CTC.
 */
import { Tensor } from 'onnxruntime-node';
import { throwIfAborted } from '../../../errors.js';
import type { OnnxRunner, Point } from '../../types.js';
import type { DecodedImage } from '../../media/image.js';
import { ctcAlphabet, ctcGreedy, type CtcResult } from './charset.js';
import { sampleQuad } from './crop.js';
import { quadSize } from './geometry.js';
import { packCrops } from './tensor.js';

/** The recogniser trained on 320-wide crops at height 48; narrower batches are padded to that shape. */
const MIN_ASPECT = 320 / 48;
/** Wider lines are squeezed rather than fed as one enormous tensor. */
const MAX_ASPECT = 80;
/**
 * Space probability under a blank that reads as a space (see ctcGreedy). On rendered English
 * lines (two fonts, 20–52 px, 10 phrases) 0.2 already recovers every space the model dropped
 * and nothing down to 0.01 split a word; 0.1 leaves margin on both sides.
 */
const SPACE_FLOOR = 0.1;

export async function readQuads(
  image: DecodedImage,
  quads: Point[][],
  runner: OnnxRunner,
  charset: readonly string[],
  options: { height: number; batchSize: number; signal?: AbortSignal },
): Promise<CtcResult[]> {
  const { height } = options;
  const aspects = quads.map((quad) => {
    const size = quadSize(quad);
    return Math.min(MAX_ASPECT, size.width / Math.max(size.height, 1));
  });
  const order = aspects.map((_, i) => i).sort((a, b) => aspects[a] - aspects[b]);
  const results = new Array<CtcResult>(quads.length);
  let alphabet: string[] | null = null;

  for (let start = 0; start < order.length; start += options.batchSize) {
    throwIfAborted(options.signal);
    const members = order.slice(start, start + options.batchSize);
    const widest = Math.max(MIN_ASPECT, ...members.map((i) => aspects[i]));
    const batchWidth = Math.ceil(height * widest);
    const crops = members.map((i) => {
      const width = Math.max(1, Math.min(batchWidth, Math.ceil(height * aspects[i])));
      return { pixels: sampleQuad(image, quads[i], width, height), width };
    });
    const input = new Tensor('float32', packCrops(crops, height, batchWidth), [members.length, 3, height, batchWidth]);
    const outputs = await runner.run({ [runner.inputNames[0]]: input }, options.signal);
    const output = outputs[runner.outputNames[0]];
    const [, steps, classCount] = output.dims;
    alphabet ??= ctcAlphabet(charset, classCount);
    const probs = output.data as Float32Array;
    members.forEach((quadIndex, n) => {
      results[quadIndex] = ctcGreedy(probs, n * steps * classCount, steps, classCount, alphabet!, SPACE_FLOOR);
    });
  }
  return results;
}
