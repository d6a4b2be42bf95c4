/**
 * Where the image features go in a prompt. Chat templates write one placeholder token per
 * image (SmolVLM, LLaVA and our own write `<image>`); the model reads as many embeddings
 * as the vision encoder gives per image, so each placeholder is repeated that many times,
 * as the Hugging Face processors do. A template that already writes them all is left alone.
 */
import { TesseraError } from '../../../errors.js';

export function expandImagePlaceholders(ids: readonly number[], imageTokenId: number, tokensPerImage: number, images: number): number[] {
  const placeholders = ids.filter((id) => id === imageTokenId).length;
  if (placeholders === images * tokensPerImage) return [...ids];
  if (placeholders !== images) {
    throw new TesseraError('INFERENCE_FAILED', `The chat template wrote ${placeholders} image placeholders for ${images} image(s).`);
  }
  return ids.flatMap((id) => (id === imageTokenId ? new Array<number>(tokensPerImage).fill(imageTokenId) : [id]));
}
