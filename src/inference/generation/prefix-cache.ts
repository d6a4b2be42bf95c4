/**
 * Keys and values of prompt prefixes kept across requests, so a prompt that starts like an
 * earlier one (a system prompt, the earlier turns of a chat) prefills only what is new.
 *
 * Prompts are cut into blocks of `blockTokens` tokens; a block is named by a hash of its
 * tokens and of the name of the block before it, so one name stands for the whole prefix up
 * to that block and equal prefixes share their blocks. Blocks are evicted least recently
 * used first once their bytes pass the limit. The cache belongs to one loaded model: it is
 * made with the model's decode loop and dropped with it, so an unload or a reload starts
 * empty and never mixes two versions of a model's keys.
 */
import { createHash } from 'node:crypto';
import { Tensor } from 'onnxruntime-node';
import { KvCache, type CacheRow } from './kv-cache.js';
import type { KvType } from './signature.js';

type KvData = Float32Array | Uint16Array;

export interface PrefixCacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  kvType: KvType;
}

export interface PrefixCacheStats {
  blockTokens: number;
  limitBytes: number;
  bytes: number;
  blocks: number;
  /** Prompts that found at least one block. */
  hits: number;
  /** Prompts long enough to reuse a block that found none (shorter ones are not counted). */
  misses: number;
  /** Prompt tokens not computed again thanks to the cache. */
  reusedTokens: number;
}

interface Block {
  /** Per layer, this block's keys then values, each [kv_heads, blockTokens, head_dim]. */
  layers: { key: KvData; value: KvData }[];
  bytes: number;
}

/** A cached prefix: a one-row cache holding the keys and values of the prompt's first `tokens` tokens. */
export interface PrefixHit {
  cache: KvCache;
  tokens: number;
}

export class PrefixCache {
  /** In use order, least recent first: a used block is moved to the end. */
  private readonly blocks = new Map<string, Block>();
  private bytes = 0;
  private counts = { hits: 0, misses: 0, reusedTokens: 0 };

  constructor(
    private readonly shape: PrefixCacheShape,
    readonly limitBytes: number,
    readonly blockTokens = 32,
  ) {}

  private get blockBytes(): number {
    const s = this.shape;
    return s.layers * 2 * s.kvHeads * this.blockTokens * s.headDim * (s.kvType === 'float16' ? 2 : 4);
  }

  get enabled(): boolean {
    return this.limitBytes >= this.blockBytes;
  }

  /** The names of the first `count` full blocks of `ids`. */
  private names(ids: readonly number[], count: number): string[] {
    const names: string[] = [];
    let parent = '';
    for (let b = 0; b < count; b += 1) {
      const tokens = Int32Array.from(ids.slice(b * this.blockTokens, (b + 1) * this.blockTokens));
      parent = createHash('sha256').update(parent).update(new Uint8Array(tokens.buffer)).digest('base64');
      names.push(parent);
    }
    return names;
  }

  /** The longest cached prefix of `ids` that leaves at least one token to compute, or null. */
  lookup(ids: readonly number[]): PrefixHit | null {
    const usable = Math.floor((ids.length - 1) / this.blockTokens);
    if (!this.enabled || usable === 0) return null;
    const found: Block[] = [];
    for (const name of this.names(ids, usable)) {
      const block = this.blocks.get(name);
      if (!block) break;
      this.blocks.delete(name);
      this.blocks.set(name, block);
      found.push(block);
    }
    if (found.length === 0) {
      this.counts.misses += 1;
      return null;
    }
    const tokens = found.length * this.blockTokens;
    this.counts.hits += 1;
    this.counts.reusedTokens += tokens;
    const { kvHeads, headDim, kvType } = this.shape;
    const join = (pick: (b: Block) => KvData) => {
      const Data = pick(found[0]).constructor as new (n: number) => KvData;
      const out = new Data(kvHeads * tokens * headDim);
      const span = this.blockTokens * headDim;
      found.forEach((block, b) => {
        const src = pick(block);
        for (let h = 0; h < kvHeads; h += 1) out.set(src.subarray(h * span, (h + 1) * span), (h * tokens + b * this.blockTokens) * headDim);
      });
      return new Tensor(kvType, out, [1, kvHeads, tokens, headDim]);
    };
    const layers = found[0].layers.map((_, l) => ({ key: join((b) => b.layers[l].key), value: join((b) => b.layers[l].value) }));
    return { cache: new KvCache(layers, 1, tokens), tokens };
  }

  /**
   * Keeps the full blocks of `ids`, whose keys/values are the row's real positions (its last
   * `row.length`) from the first on: a prompt just prefilled, or a finished turn.
   */
  store(ids: readonly number[], row: CacheRow): void {
    if (!this.enabled) return;
    const { kvHeads, headDim } = this.shape;
    const source = row.cache;
    const start = source.length - row.length;
    const span = this.blockTokens * headDim;
    this.names(ids, Math.floor(Math.min(ids.length, row.length) / this.blockTokens)).forEach((name, b) => {
      const known = this.blocks.get(name);
      if (known) {
        this.blocks.delete(name);
        this.blocks.set(name, known);
        return;
      }
      const slice = (tensor: Tensor) => {
        const data = tensor.data as KvData;
        const out = new (data.constructor as new (n: number) => KvData)(kvHeads * span);
        for (let h = 0; h < kvHeads; h += 1) {
          const from = ((row.row * kvHeads + h) * source.length + start + b * this.blockTokens) * headDim;
          out.set(data.subarray(from, from + span), h * span);
        }
        return out;
      };
      this.blocks.set(name, { layers: source.layers.map((l) => ({ key: slice(l.key), value: slice(l.value) })), bytes: this.blockBytes });
      this.bytes += this.blockBytes;
    });
    this.evict();
  }

  private evict(): void {
    for (const [name, block] of this.blocks) {
      if (this.bytes <= this.limitBytes) return;
      this.blocks.delete(name);
      this.bytes -= block.bytes;
    }
  }

  clear(): void {
    this.blocks.clear();
    this.bytes = 0;
  }

  stats(): PrefixCacheStats {
    return { blockTokens: this.blockTokens, limitBytes: this.limitBytes, bytes: this.bytes, blocks: this.blocks.size, ...this.counts };
  }
}
