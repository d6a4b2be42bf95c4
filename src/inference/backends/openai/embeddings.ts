/**
 * TEXT_EMBEDDING through an OpenAI-compatible `/embeddings`: the texts of one batch go in one
 * call (`input` as a list), and each comes back by its `index`.
 */
import { TesseraError } from '../../../errors.js';
import { callUpstreamJson, type Upstream } from '../upstream.js';

interface EmbeddingsReply {
  data?: { index: number; embedding: number[] }[];
}

export async function fetchEmbeddings(upstream: Upstream, model: string, texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
  const reply = await callUpstreamJson<EmbeddingsReply>(upstream, 'embeddings', { body: { model, input: texts, encoding_format: 'float' }, signal });
  const vectors: Float32Array[] = new Array<Float32Array>(texts.length);
  for (const item of reply.data ?? []) {
    if (Number.isInteger(item.index) && item.index >= 0 && item.index < texts.length) vectors[item.index] = Float32Array.from(item.embedding);
  }
  if (vectors.some((v) => v === undefined) || vectors.length !== texts.length) {
    throw new TesseraError('UPSTREAM_UNAVAILABLE', `The ${upstream.what} returned ${reply.data?.length ?? 0} embeddings for ${texts.length} texts.`);
  }
  return vectors;
}
