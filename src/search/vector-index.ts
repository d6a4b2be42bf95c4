/**
 * One collection's vectors in memory, each row twice inside a SIMD kernel's memory: as
 * float32 (the stored values) and as int8 with a per-row scale (a quarter of the bytes to
 * stream per query). Search stays exact:
 *
 *  1. scanI8 scores every row approximately; for each row the rounding error has a bound
 *     (see `bound`), so [approx - bound, approx + bound] holds the true score.
 *  2. T = the k-th best lower bound: at least k rows score >= T, so a row whose upper bound
 *     is below T cannot be in the top k.
 *  3. The rows left (tens, typically) are scored exactly from their float32 values.
 *
 * When too many rows survive (near-duplicate vectors), a float32 scan of every row does it.
 * Rows are appended only; a deleted collection drops its whole index.
 *
 * Memory (bytes): [query f32][query i8][rows f32: capacity][rows i8: capacity][scores: capacity x 4]
 */
import { createDotKernel, F32_ALIGN, I8_ALIGN, type DotKernel } from './dot-kernel.js';
import { topK, type Ranked } from './top-k.js';

export type Modality = 'TEXT' | 'IMAGE';
export const MODALITIES: readonly Modality[] = ['TEXT', 'IMAGE'];

export interface IndexHit {
  id: string;
  score: number;
}

const PAGE = 65536;
const INITIAL_CAPACITY = 256;
/** Above this share of rows left after step 2, one float32 scan is cheaper than scoring them one by one. */
const RESCORE_SHARE = 0.25;

const alignUp = (value: number, to: number) => Math.ceil(value / to) * to;

interface Quantized {
  scale: number;
  l1: number;
}

/** int8 codes of `values` into `target` (round to nearest, so each error is at most scale / 2), with the scale and L1 norm. */
function quantize(values: Float32Array, target: Int8Array): Quantized {
  let max = 0;
  let l1 = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > max) max = a;
    l1 += a;
  }
  const scale = max > 0 ? max / 127 : 1;
  for (let i = 0; i < values.length; i++) target[i] = Math.round(values[i] / scale);
  return { scale, l1 };
}

export class VectorIndex {
  private readonly kernel: DotKernel = createDotKernel();
  private readonly strideF32: number;
  private readonly strideI8: number;
  private readonly ids: string[] = [];
  private modalities = new Uint8Array(0);
  private scales = new Float64Array(0);
  private l1s = new Float64Array(0);
  private capacity = 0;
  private lower = new Float64Array(0);

  constructor(readonly dimension: number) {
    this.strideF32 = alignUp(dimension, F32_ALIGN);
    this.strideI8 = alignUp(dimension, I8_ALIGN);
    this.reserve(INITIAL_CAPACITY);
  }

  get size(): number {
    return this.ids.length;
  }

  /** `vector` must already be normalised (see vectors.ts); it is copied. */
  add(id: string, modality: Modality, vector: Float32Array): void {
    this.reserve(this.size + 1);
    this.rowView(this.size).set(vector);
    this.commitRow(id, modality);
  }

  /** Row `row`'s floats in place, for bulk loads without a copy. Invalid after the next reserve(), which may grow the memory. */
  rowView(row: number): Float32Array {
    return new Float32Array(this.kernel.memory.buffer, this.layout.rowsF32 + row * this.strideF32 * 4, this.dimension);
  }

  /** Appends the row whose floats were written through rowView(size). */
  commitRow(id: string, modality: Modality): void {
    const row = this.size;
    const codes = new Int8Array(this.kernel.memory.buffer, this.layout.rowsI8 + row * this.strideI8, this.dimension);
    const { scale, l1 } = quantize(this.rowView(row), codes);
    this.scales[row] = scale;
    this.l1s[row] = l1;
    this.modalities[row] = MODALITIES.indexOf(modality);
    this.ids.push(id);
  }

  /** Room for `rows` rows in all; a bulk load calls it once up front. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(this.capacity, INITIAL_CAPACITY);
    while (capacity < rows) capacity *= 2;
    const before = this.capacity > 0 ? this.layout : null;
    const after = this.layoutFor(capacity);
    const have = this.kernel.memory.buffer.byteLength;
    if (after.end > have) this.kernel.memory.grow(Math.ceil((after.end - have) / PAGE));
    const bytes = new Uint8Array(this.kernel.memory.buffer);
    if (before) {
      // The float32 rows grow in place; the int8 rows move up behind them. What they leave
      // behind becomes float32 padding, which must be zeros (garbage could be NaN).
      bytes.copyWithin(after.rowsI8, before.rowsI8, before.rowsI8 + this.size * this.strideI8);
      bytes.fill(0, before.rowsI8, after.rowsI8);
      bytes.fill(0, after.rowsI8 + this.size * this.strideI8);
    }
    this.modalities = grown(this.modalities, capacity);
    this.scales = grown(this.scales, capacity);
    this.l1s = grown(this.l1s, capacity);
    this.capacity = capacity;
  }

  /** The k rows most similar to `query` (normalised), best first, optionally of one modality. */
  search(query: Float32Array, k: number, modality?: Modality): IndexHit[] {
    const count = this.size;
    if (count === 0) return [];
    const wanted = modality === undefined ? -1 : MODALITIES.indexOf(modality);
    const modalities = this.modalities;
    const accept = wanted < 0 ? undefined : (row: number) => modalities[row] === wanted;
    const { memory } = this.kernel;
    const layout = this.layout;
    const queryF32 = new Float32Array(memory.buffer, 0, this.dimension);
    queryF32.set(query);
    const q = quantize(queryF32, new Int8Array(memory.buffer, layout.queryI8, this.dimension));

    this.kernel.scanI8(layout.rowsI8, layout.queryI8, count, this.strideI8, layout.scores);
    const dots = new Int32Array(memory.buffer, layout.scores, count);
    if (this.lower.length < count) this.lower = new Float64Array(this.capacity);
    const lower = this.lower;
    const halfD = this.dimension / 2;
    for (let row = 0; row < count; row++) {
      const scale = this.scales[row];
      lower[row] = dots[row] * scale * q.scale - this.bound(scale, this.l1s[row], q, halfD);
    }
    const floor = topK(lower, count, k, accept);
    const threshold = floor.length < k ? -Infinity : floor[floor.length - 1].score;

    const survivors: number[] = [];
    for (let row = 0; row < count; row++) {
      if (accept && !accept(row)) continue;
      const scale = this.scales[row];
      if (dots[row] * scale * q.scale + this.bound(scale, this.l1s[row], q, halfD) >= threshold) survivors.push(row);
    }
    const ranked = survivors.length > count * RESCORE_SHARE ? this.scanAll(count, k, accept) : this.rescore(survivors, queryF32, k);
    return ranked.map(({ index, score }) => ({ id: this.ids[index], score }));
  }

  /**
   * How far the int8 score can be from the true one. With x = s_x qx + e (|e_i| <= s_x/2) and
   * y = s_y qy + f (|f_i| <= s_y/2): x.y - s_x s_y qx.qy = s_x qx.f + e.y, and
   * |s_x qx_i| <= |x_i| + s_x/2, so the error is at most s_y/2 (|x|_1 + D s_x/2) + s_x/2 |y|_1.
   * The small constant covers the floating-point rounding of these products.
   */
  private bound(scale: number, l1: number, q: Quantized, halfD: number): number {
    return 0.5 * q.scale * (l1 + halfD * scale) + 0.5 * scale * q.l1 + 1e-6;
  }

  private rescore(rows: number[], query: Float32Array, k: number): Ranked[] {
    const exact = new Float64Array(rows.length);
    const buffer = this.kernel.memory.buffer;
    for (let i = 0; i < rows.length; i++) {
      const row = new Float32Array(buffer, this.layout.rowsF32 + rows[i] * this.strideF32 * 4, this.dimension);
      let sum = 0;
      for (let j = 0; j < row.length; j++) sum += row[j] * query[j];
      exact[i] = sum;
    }
    // topK breaks ties by position; survivors are in row order, so that is row order too.
    return topK(exact, rows.length, k).map(({ index, score }) => ({ index: rows[index], score }));
  }

  /** The float32 scan of every row, without the int8 pass: what search() falls back to, kept callable for the bench. */
  searchExhaustive(query: Float32Array, k: number, modality?: Modality): IndexHit[] {
    if (this.size === 0) return [];
    new Float32Array(this.kernel.memory.buffer, 0, this.dimension).set(query);
    const wanted = modality === undefined ? -1 : MODALITIES.indexOf(modality);
    const accept = wanted < 0 ? undefined : (row: number) => this.modalities[row] === wanted;
    return this.scanAll(this.size, k, accept).map(({ index, score }) => ({ id: this.ids[index], score }));
  }

  private scanAll(count: number, k: number, accept?: (row: number) => boolean): Ranked[] {
    const layout = this.layout;
    this.kernel.scanF32(layout.rowsF32, 0, count, this.strideF32 * 4, layout.scores);
    return topK(new Float32Array(this.kernel.memory.buffer, layout.scores, count), count, k, accept);
  }

  private get layout() {
    return this.layoutFor(this.capacity);
  }

  private layoutFor(capacity: number) {
    const queryI8 = this.strideF32 * 4;
    const rowsF32 = alignUp(queryI8 + this.strideI8, 16);
    const rowsI8 = rowsF32 + capacity * this.strideF32 * 4;
    const scores = rowsI8 + capacity * this.strideI8;
    return { queryI8, rowsF32, rowsI8, scores, end: scores + capacity * 4 };
  }
}

function grown<T extends Uint8Array | Float64Array>(array: T, capacity: number): T {
  if (array.length >= capacity) return array;
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}
