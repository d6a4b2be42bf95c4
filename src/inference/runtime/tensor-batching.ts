/**
 * Generic tensor requests (the TENSOR task): checking client feeds against the graph,
 * and concatenating compatible requests along axis 0 into one run, then splitting the
 * outputs back per request.
 */
import * as ort from 'onnxruntime-node';
import { badInput, TesseraError } from '../../errors.js';
import type { GraphMetadata, ValueMetadata } from '../repository/signature.js';

export type FeedType = 'float32' | 'int64';

/** A tensor as clients send it: JSON numbers, row-major. */
export interface TensorInput {
  type: FeedType;
  dims: number[];
  data: number[];
}

export interface TensorOutput {
  type: string;
  dims: number[];
  data: number[];
}

/** A validated request: the tensors to run and its rows on the batch axis. */
export interface TensorRequest {
  feeds: Record<string, ort.Tensor>;
  rows: number;
  /** Requests batch together only with the same non-batch dims. */
  key: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function tensorMetadata(m: ValueMetadata): { type: string; shape: ReadonlyArray<number | string> } | undefined {
  return m.isTensor && m.type !== undefined && m.shape !== undefined ? { type: m.type, shape: m.shape } : undefined;
}

/**
 * True when every input and output has a dynamic leading axis, so requests can be stacked
 * on it and results cut apart again.
 */
export function hasBatchAxis(metadata: GraphMetadata): boolean {
  return [...metadata.inputs, ...metadata.outputs].every((m) => {
    const t = tensorMetadata(m);
    return t !== undefined && t.shape.length >= 1 && typeof t.shape[0] === 'string';
  });
}

function checkFeed(name: string, feed: TensorInput, declared: ValueMetadata): ort.Tensor {
  const where = `input "${name}"`;
  const t = tensorMetadata(declared);
  if (!t) throw badInput(`${where} is not a tensor input; only tensor inputs can be fed.`, { input: name });
  if (feed.type !== t.type) throw badInput(`${where} must be ${t.type}, got ${feed.type}.`, { input: name });
  if (!Array.isArray(feed.dims) || feed.dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw badInput(`${where}: dims must be non-negative integers.`, { input: name });
  }
  if (feed.dims.length !== t.shape.length) {
    throw badInput(`${where} must have rank ${t.shape.length}, got ${feed.dims.length} (dims [${feed.dims}]).`, { input: name });
  }
  t.shape.forEach((dim, axis) => {
    if (typeof dim === 'number' && feed.dims[axis] !== dim) {
      throw badInput(`${where} axis ${axis} must be ${dim}, got ${feed.dims[axis]}.`, { input: name });
    }
  });
  const size = feed.dims.reduce((a, b) => a * b, 1);
  if (feed.data.length !== size) {
    throw badInput(`${where} has ${feed.data.length} values but dims [${feed.dims}] need ${size}.`, { input: name });
  }
  if (feed.type === 'float32') {
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const v = feed.data[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${where}: value ${i} is not a finite number.`, { input: name });
      data[i] = v;
    }
    return new ort.Tensor('float32', data, feed.dims);
  }
  const data = new BigInt64Array(size);
  for (let i = 0; i < size; i++) {
    const v = feed.data[i];
    if (!Number.isSafeInteger(v)) throw badInput(`${where}: value ${i} is not an integer within ±${MAX_SAFE}.`, { input: name });
    data[i] = BigInt(v);
  }
  return new ort.Tensor('int64', data, feed.dims);
}

/** Checks names, types, ranks, fixed sizes and value counts; BAD_USER_INPUT names the culprit. */
export function tensorRequest(feeds: Record<string, TensorInput>, metadata: GraphMetadata, batchable: boolean): TensorRequest {
  if (!feeds || typeof feeds !== 'object') throw badInput('feeds must be an object of named tensors.');
  const expected = metadata.inputs.map((m) => m.name);
  const given = Object.keys(feeds);
  const missing = expected.filter((n) => !given.includes(n));
  const extra = given.filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw badInput(
      `The model takes inputs ${expected.map((n) => `"${n}"`).join(', ')}` +
        (missing.length ? `; missing ${missing.map((n) => `"${n}"`).join(', ')}` : '') +
        (extra.length ? `; unknown ${extra.map((n) => `"${n}"`).join(', ')}` : '') +
        '.',
      { expected, missing, extra },
    );
  }
  const tensors: Record<string, ort.Tensor> = {};
  for (const declared of metadata.inputs) tensors[declared.name] = checkFeed(declared.name, feeds[declared.name], declared);
  if (!batchable) return { feeds: tensors, rows: 1, key: '' };
  const rows = tensors[expected[0]].dims[0];
  for (const name of expected) {
    if (tensors[name].dims[0] !== rows) {
      throw badInput(`All inputs must share their first (batch) dimension: "${expected[0]}" has ${rows}, "${name}" has ${tensors[name].dims[0]}.`);
    }
  }
  const key = JSON.stringify(expected.map((name) => tensors[name].dims.slice(1)));
  return { feeds: tensors, rows, key };
}

type NumericData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Float64Array;

function concatenate(parts: ort.Tensor[]): ort.Tensor {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const rows = parts.reduce((sum, t) => sum + t.dims[0], 0);
  const total = parts.reduce((sum, t) => sum + t.data.length, 0);
  const Ctor = (first.data as NumericData).constructor as new (n: number) => NumericData;
  const out = new Ctor(total);
  let offset = 0;
  for (const t of parts) {
    out.set(t.data as never, offset);
    offset += t.data.length;
  }
  return new ort.Tensor(first.type, out as never, [rows, ...first.dims.slice(1)]);
}

/** Stacks the requests' feeds along axis 0. */
export function stackFeeds(requests: TensorRequest[]): Record<string, ort.Tensor> {
  const names = Object.keys(requests[0].feeds);
  return Object.fromEntries(names.map((name) => [name, concatenate(requests.map((r) => r.feeds[name]))]));
}

function toNumbers(data: ort.Tensor.DataType, start: number, end: number): number[] {
  if (Array.isArray(data)) throw new TesseraError('INFERENCE_FAILED', 'string outputs cannot be returned as numbers');
  const view = data as NumericData | BigUint64Array;
  const out = new Array<number>(end - start);
  for (let i = start; i < end; i++) out[i - start] = Number(view[i]);
  return out;
}

/** Cuts each output back into per-request rows, in request order. */
export function splitOutputs(outputs: Record<string, ort.Tensor>, requests: TensorRequest[], batched: boolean): Record<string, TensorOutput>[] {
  const results: Record<string, TensorOutput>[] = requests.map(() => ({}));
  const totalRows = requests.reduce((sum, r) => sum + r.rows, 0);
  for (const [name, tensor] of Object.entries(outputs)) {
    const dims = [...tensor.dims];
    if (!batched) {
      results[0][name] = { type: tensor.type, dims, data: toNumbers(tensor.data, 0, tensor.data.length) };
      continue;
    }
    if (dims[0] !== totalRows) {
      throw new TesseraError('INFERENCE_FAILED', `output "${name}" has ${dims[0]} rows for a batch of ${totalRows}; it cannot be split per request`);
    }
    const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
    let row = 0;
    requests.forEach((r, i) => {
      results[i][name] = {
        type: tensor.type,
        dims: [r.rows, ...dims.slice(1)],
        data: toNumbers(tensor.data, row * rowSize, (row + r.rows) * rowSize),
      };
      row += r.rows;
    });
  }
  return results;
}
