/**
 * One collection's vectors in memory, as a row-major matrix inside a SIMD kernel's memory,
 * plus each row's item id and modality. Exact search: every row is scored, then the k best
 * are picked. Rows are appended only; a deleted collection drops its whole index.
 *
 * Memory layout (bytes): [query: stride][rows: capacity x stride][scores: capacity x 4].
 */
import { createDotKernel, ROW_ALIGN_FLOATS, type DotKernel } from './dot-kernel.js';
import { topK } from './top-k.js';

export type Modality = 'TEXT' | 'IMAGE';
export const MODALITIES: readonly Modality[] = ['TEXT', 'IMAGE'];

export interface IndexHit {
  id: string;
  score: number;
}

const PAGE = 65536;
const INITIAL_CAPACITY = 256;

export class VectorIndex {
  private readonly kernel: DotKernel = createDotKernel();
  private readonly stride: number;
  private readonly ids: string[] = [];
  private modalities = new Uint8Array(INITIAL_CAPACITY);
  private capacity = 0;

  constructor(readonly dimension: number) {
    this.stride = Math.ceil(dimension / ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS;
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

  /** Appends a row whose vector was already written through rowView(size). */
  commitRow(id: string, modality: Modality): void {
    this.modalities[this.size] = MODALITIES.indexOf(modality);
    this.ids.push(id);
  }

  /** Row `row`'s floats in place, for bulk loads without a copy. Invalid after the next reserve(), which may grow the memory. */
  rowView(row: number): Float32Array {
    return new Float32Array(this.kernel.memory.buffer, this.matrixOffset + row * this.stride * 4, this.dimension);
  }

  /** Room for `rows` rows in all; a bulk load calls it once up front. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(this.capacity, INITIAL_CAPACITY);
    while (capacity < rows) capacity *= 2;
    const needed = this.matrixOffset + capacity * this.stride * 4 + capacity * 4;
    const have = this.kernel.memory.buffer.byteLength;
    if (needed > have) this.kernel.memory.grow(Math.ceil((needed - have) / PAGE));
    if (capacity > this.modalities.length) {
      const modalities = new Uint8Array(capacity);
      modalities.set(this.modalities);
      this.modalities = modalities;
    }
    this.capacity = capacity;
  }

  /** The k rows most similar to `query` (normalised), best first, optionally of one modality. */
  search(query: Float32Array, k: number, modality?: Modality): IndexHit[] {
    const rows = this.size;
    if (rows === 0) return [];
    const memory = this.kernel.memory.buffer;
    new Float32Array(memory, 0, this.dimension).set(query);
    const scoresOffset = this.matrixOffset + this.capacity * this.stride * 4;
    this.kernel.scan(this.matrixOffset, 0, rows, this.stride * 4, scoresOffset);
    const scores = new Float32Array(memory, scoresOffset, rows);
    const wanted = modality === undefined ? -1 : MODALITIES.indexOf(modality);
    const modalities = this.modalities;
    const accept = wanted < 0 ? undefined : (row: number) => modalities[row] === wanted;
    return topK(scores, rows, Math.min(k, rows), accept).map(({ index, score }) => ({ id: this.ids[index], score }));
  }

  private get matrixOffset(): number {
    return this.stride * 4;
  }
}
