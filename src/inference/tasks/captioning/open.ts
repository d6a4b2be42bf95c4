/**
 * Brings a loaded IMAGE_CAPTIONING model folder to a working captioner, and proves it with
 * one caption before the model is called ready.
 */
import type { OpenedModel } from '../../runtime/model-loader.js';
import { ImageCaptioner, type CaptionerParts } from './captioner.js';

/** Our manifests' keys first, then the keys a pulled HF export gets from its file names. */
const KEYS = {
  encoder: ['encoder', 'encoder_model'],
  decoder: ['decoder', 'decoder_model_merged', 'decoder_model'],
} as const;

export async function openCaptioner(
  name: string,
  dir: string,
  opened: OpenedModel,
  scheduler: CaptionerParts['scheduler'],
): Promise<ImageCaptioner> {
  const { pool, files } = opened;
  const [encoder, decoder] = [KEYS.encoder, KEYS.decoder].map((keys) => keys.find((key) => pool.metadata[key]));
  if (!encoder || !decoder) throw new Error('IMAGE_CAPTIONING models need files.encoder and files.decoder (.onnx graphs)');
  const captioner = await ImageCaptioner.open({
    folder: { dir, files },
    runners: { encoder: pool.runner(encoder, `${name}/encoder`), decoder: pool.runner(decoder, `${name}/decoder`) },
    metadata: { encoder: pool.metadata[encoder], decoder: pool.metadata[decoder] },
    scheduler,
  });
  // One token from a grey image: the whole path (preprocessing, both graphs, the cache
  // layout, the tokenizer) runs once, so a mismatch fails the load rather than a request.
  const grey = { data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 };
  const pixels = await captioner.preprocess(grey);
  for await (const event of captioner.caption(pixels, { maxTokens: 1 })) {
    if (event.type === 'completed' && event.error) throw new Error(`the warm-up caption failed: ${event.error.message}`);
  }
  return captioner;
}
