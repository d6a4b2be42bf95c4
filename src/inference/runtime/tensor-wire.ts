/**
 * Tensors as plain data for postMessage. onnxruntime's Tensor class does not survive a
 * structured clone, so its type, dims and data travel and are rebuilt on the other side.
 */
import * as ort from 'onnxruntime-node';

export interface WireTensor {
  type: ort.Tensor.Type;
  dims: number[];
  data: ort.Tensor.DataType;
}

export type WireFeeds = Record<string, WireTensor>;

/**
 * A typed array that views part of a larger buffer would clone the whole buffer, so such
 * views are copied down to their own bytes first.
 */
function compact(data: ort.Tensor.DataType): ort.Tensor.DataType {
  if (Array.isArray(data)) return data;
  const view = data as Exclude<ort.Tensor.DataType, string[]>;
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  return view.slice() as ort.Tensor.DataType;
}

export function toWire(tensor: ort.Tensor): WireTensor {
  return { type: tensor.type, dims: [...tensor.dims], data: compact(tensor.data) };
}

export function fromWire(wire: WireTensor): ort.Tensor {
  return new ort.Tensor(wire.type, wire.data as never, wire.dims);
}

export function mapTensors<A, B>(record: Record<string, A>, f: (value: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [name, value] of Object.entries(record)) out[name] = f(value);
  return out;
}
