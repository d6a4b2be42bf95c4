/**
 * What a collection call may ask, checked before anything is stored or embedded, and what
 * an embedding must be to enter a collection. The rules of the search room, whoever calls it.
 */
import { badInput, TesseraError } from '../errors.js';

export const MAX_ITEMS_PER_CALL = 256;
export const DEFAULT_K = 10;

export function checkItemCount(count: number): void {
  if (count === 0) throw badInput('items must not be empty.');
  if (count > MAX_ITEMS_PER_CALL) {
    throw badInput(`At most ${MAX_ITEMS_PER_CALL} items per call, got ${count}.`, { items: count, limit: MAX_ITEMS_PER_CALL });
  }
}

/** A search query is one text, one image or one vector. */
export function checkQuerySources(query: { text?: unknown; image?: unknown; vector?: unknown }): void {
  const sources = [query.text, query.image, query.vector].filter((v) => v != null).length;
  if (sources !== 1) throw badInput('Give exactly one of text, image or vector as the query.');
}

/** The collection's model may have been replaced since the collection was made. */
export function checkDimension(collection: { model: string; dimension: number }, vector: ArrayLike<number>): void {
  if (vector.length !== collection.dimension) {
    throw new TesseraError('INFERENCE_FAILED', `Model "${collection.model}" now gives ${vector.length} dimensions; the collection holds ${collection.dimension}.`);
  }
}
