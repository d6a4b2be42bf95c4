/**
 * The batch's key/value cache: per layer one key and one value tensor shaped
 * [batch, kv_heads, length, head_dim]. Rows are right-aligned: a row holding n tokens
 * occupies the last n positions and the positions before it are zero padding that the
 * attention mask hides. Right alignment lets every row append its next token at the same
 * index, so one decode step serves rows of different lengths.
 */
import { Tensor } from 'onnxruntime-node';
import type { KvType } from './signature.js';

export interface LayerKv {
  key: Tensor;
  value: Tensor;
}

type KvData = Float32Array | Uint16Array;

export class KvCache {
  constructor(
    readonly layers: LayerKv[],
    readonly batch: number,
    /** Positions per row, padding included. */
    readonly length: number,
  ) {}

  static empty(batch: number, spec: { layers: number; kvHeads: number; headDim: number; kvType: KvType }): KvCache {
    const dims = [batch, spec.kvHeads, 0, spec.headDim];
    const make = () => new Tensor(spec.kvType, spec.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims);
    return new KvCache(
      Array.from({ length: spec.layers }, () => ({ key: make(), value: make() })),
      batch,
      0,
    );
  }

  /** Drops the tensors' buffers now rather than whenever the collector gets to them. */
  dispose(): void {
    for (const l of this.layers) {
      l.key.dispose();
      l.value.dispose();
    }
  }
}

/** One row to place in a new cache: row `row` of `cache`, whose last `length` positions are real. */
export interface CacheRow {
  cache: KvCache;
  row: number;
  length: number;
}

/**
 * Builds a cache holding the given rows in order, as short as the longest row: rows
 * joining from a prefill and rows surviving from the previous batch are copied into
 * place, and padding no row needs any more is cut off.
 */
export function mergeRows(rows: readonly CacheRow[]): KvCache {
  const length = Math.max(0, ...rows.map((r) => r.length));
  const reuse = rows.length > 0 && rows.every((r, i) => r.cache === rows[0].cache && r.row === i && r.length === r.cache.length);
  if (reuse && rows.length === rows[0].cache.batch) return rows[0].cache;
  const template = rows[0].cache.layers;
  const layers = template.map((layer, l) => ({
    key: copyRows(rows, length, (c) => c.layers[l].key, layer.key),
    value: copyRows(rows, length, (c) => c.layers[l].value, layer.value),
  }));
  return new KvCache(layers, rows.length, length);
}

/** Copies a row's real positions into row `dstRow` of `out` (rows `length` long), right-aligned. */
function copyRowInto(out: KvData, dstRow: number, length: number, r: CacheRow, src: Tensor): void {
  const [, heads, , headDim] = src.dims;
  const data = src.data as KvData;
  const srcLength = r.cache.length;
  const span = r.length * headDim;
  for (let h = 0; h < heads; h += 1) {
    const from = ((r.row * heads + h) * srcLength + (srcLength - r.length)) * headDim;
    const to = ((dstRow * heads + h) * length + (length - r.length)) * headDim;
    out.set(data.subarray(from, from + span), to);
  }
}

function copyRows(rows: readonly CacheRow[], length: number, pick: (c: KvCache) => Tensor, like: Tensor): Tensor {
  const [, heads, , headDim] = like.dims;
  const Data = (like.data as KvData).constructor as new (n: number) => KvData;
  const out = new Data(rows.length * heads * length * headDim);
  rows.forEach((r, dstRow) => copyRowInto(out, dstRow, length, r, pick(r.cache)));
  return new Tensor(like.type as KvType, out, [rows.length, heads, length, headDim]);
}

/**
 * Writes a newcomer into row `at` of `target` in place, right-aligned (its `length` must not
 * exceed the target's): the row of a finished request is reused at the cost of copying one
 * row, not the whole batch. Positions before it keep stale values that the mask hides.
 */
export function placeRow(target: KvCache, at: number, source: CacheRow): void {
  target.layers.forEach((layer, l) => {
    copyRowInto(layer.key.data as KvData, at, target.length, source, source.cache.layers[l].key);
    copyRowInto(layer.value.data as KvData, at, target.length, source, source.cache.layers[l].value);
  });
}
