/**
 * TEXT_EMBEDDING for BERT-family feature extractors: input_ids, attention_mask (and
 * token_type_ids when the graph has them) → last_hidden_state, pooled over the real tokens
 * (mean, CLS or max, per settings or sentence-transformers' 1_Pooling/config.json), then
 * L2-normalised unless settings.normalize is false.
 */
import { Scheduler } from '../../scheduler/scheduler.js';
import type { OnnxRunner, RunOptions, RunStats } from '../../types.js';
import type { QueueOptions } from './image-classifier.js';
import { readModelJson, type Json, type ModelFolder } from './model-files.js';
import { pickOutput, splitRows } from './run-images.js';
import { l2Normalize } from './scores.js';
import { loadTextEncoding, textFeeds, tokenize, type TextEncoding } from './text-inputs.js';

export type Pooling = 'mean' | 'cls' | 'max';

export function poolingFrom(settings: Record<string, unknown>, poolingConfig: Json | null): Pooling {
  if (settings.pooling === 'mean' || settings.pooling === 'cls' || settings.pooling === 'max') return settings.pooling;
  if (poolingConfig?.pooling_mode_cls_token === true) return 'cls';
  if (poolingConfig?.pooling_mode_max_tokens === true) return 'max';
  return 'mean';
}

/** Pools each row of a [rows, length, hidden] buffer over the positions its mask keeps. */
export function pool(hidden: Float32Array, mask: Uint8Array, rows: number, length: number, pooling: Pooling): Float32Array[] {
  const width = hidden.length / (rows * length);
  return Array.from({ length: rows }, (_, r) => {
    const out = new Float32Array(width);
    const base = r * length * width;
    if (pooling === 'cls') return hidden.slice(base, base + width);
    if (pooling === 'max') out.fill(-Infinity);
    let count = 0;
    for (let t = 0; t < length; t++) {
      if (!mask[r * length + t]) continue;
      count += 1;
      const at = base + t * width;
      for (let h = 0; h < width; h++) out[h] = pooling === 'max' ? Math.max(out[h], hidden[at + h]) : out[h] + hidden[at + h];
    }
    if (pooling === 'mean') for (let h = 0; h < width; h++) out[h] /= Math.max(count, 1);
    return out;
  });
}

export class TextEmbedder {
  readonly scheduler: Scheduler<number[], Float32Array>;

  private constructor(
    private readonly text: TextEncoding,
    readonly pooling: Pooling,
    readonly normalize: boolean,
    runner: OnnxRunner,
    queue: QueueOptions,
  ) {
    // A graph that already pools (sentence_embedding) is used as it is.
    const output = pickOutput(runner, ['last_hidden_state', 'sentence_embedding', 'token_embeddings']);
    this.scheduler = new Scheduler<number[], Float32Array>({
      ...queue,
      run: async (rows, signal) => {
        const { feeds, mask, length } = textFeeds(rows, runner.inputNames, text.padId, text.maxLength);
        const result = (await runner.run(feeds, signal))[output];
        const vectors = result.dims.length === 3 ? pool(result.data as Float32Array, mask, rows.length, length, pooling) : splitRows(result, rows.length);
        return normalize ? vectors.map(l2Normalize) : vectors;
      },
    });
  }

  static async open(folder: ModelFolder, runner: OnnxRunner, settings: Record<string, unknown>, queue: QueueOptions): Promise<TextEmbedder> {
    const [config, poolingConfig] = await Promise.all([
      readModelJson(folder, 'config', 'config.json'),
      readModelJson(folder, 'pooling', '1_Pooling/config.json'),
    ]);
    const positions = typeof config?.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
    const text = await loadTextEncoding(folder.dir, settings, positions);
    return new TextEmbedder(text, poolingFrom(settings, poolingConfig), settings.normalize !== false, runner, queue);
  }

  async embed(text: string, options: RunOptions): Promise<{ vector: Float32Array; stats: RunStats }> {
    const { output, stats } = await this.scheduler.submit(tokenize(this.text, text), options);
    return { vector: output, stats };
  }
}
