/**
 * Many preprocessed images → one session run → one output row per image. Images stack
 * only when their sizes agree, which `imageBatchKey` tells the scheduler.
 */
import * as ort from 'onnxruntime-node';
import type { OnnxRunner } from '../../types.js';
import type { PixelValues } from './image-processor.js';
import { row } from './scores.js';

export const imageBatchKey = (image: PixelValues) => `${image.height}x${image.width}`;

/** The output a task reads: the first of `preferred` the graph has, else its first output. */
export function pickOutput(runner: OnnxRunner, preferred: readonly string[]): string {
  return preferred.find((name) => runner.outputNames.includes(name)) ?? runner.outputNames[0];
}

/** Rows of a [batch, width] output, one per input. */
export function splitRows(tensor: ort.Tensor, rows: number): Float32Array[] {
  const data = tensor.data as Float32Array;
  const width = data.length / rows;
  return Array.from({ length: rows }, (_, i) => row(data, i, width));
}

export async function runImages(runner: OnnxRunner, output: string, images: PixelValues[], signal: AbortSignal): Promise<Float32Array[]> {
  const { height, width } = images[0];
  const plane = 3 * height * width;
  const data = new Float32Array(images.length * plane);
  images.forEach((image, i) => data.set(image.data, i * plane));
  const input = runner.inputNames.includes('pixel_values') ? 'pixel_values' : runner.inputNames[0];
  const outputs = await runner.run({ [input]: new ort.Tensor('float32', data, [images.length, 3, height, width]) }, signal);
  return splitRows(outputs[output], images.length);
}
