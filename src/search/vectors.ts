/**
 * Embeddings as stored: L2-normalised float32, little-endian bytes in the database, so the
 * dot product of two stored vectors is their cosine similarity.
 */
import { endianness } from 'node:os';
import { badInput } from '../errors.js';

/** On little-endian machines (all we run on) the bytes are the Float32Array's own memory: no per-float conversion. */
const NATIVE = endianness() === 'LE';

/** A copy of `values` scaled to unit length; refuses non-finite or all-zero input. */
export function normalized(values: ArrayLike<number>, expectedDimension: number): Float32Array {
  if (values.length !== expectedDimension) {
    throw badInput(`The vector has ${values.length} dimensions; the collection holds ${expectedDimension}.`, {
      dimension: values.length,
      expected: expectedDimension,
    });
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw badInput('The vector holds a value that is not a finite number.');
    sum += v * v;
  }
  if (sum === 0) throw badInput('The vector is all zeros; it has no direction to compare.');
  const scale = 1 / Math.sqrt(sum);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale;
  return out;
}

export function toBytes(vector: Float32Array): Uint8Array<ArrayBuffer> {
  if (NATIVE) return new Uint8Array(Float32Array.from(vector).buffer);
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i], true);
  return bytes;
}

/** Decodes into `target` at `offset`, so a bulk load writes each row straight into the index. */
export function readBytesInto(bytes: Uint8Array, target: Float32Array, offset: number): void {
  if (NATIVE) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    target.set(new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 2), offset);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength >> 2;
  for (let i = 0; i < count; i++) target[offset + i] = view.getFloat32(i * 4, true);
}

export function fromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength >> 2);
  readBytesInto(bytes, out, 0);
  return out;
}
