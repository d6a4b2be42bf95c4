/**
 * Tensors as the Open Inference Protocol (KServe v2 / Triton) carries them in JSON: a name,
 * a shape, a datatype such as FP32 or INT64, and the data flattened in row-major order.
 * A float32 survives the trip exactly (JSON's shortest form of the double it widens to).
 */
import * as ort from 'onnxruntime-node';

export interface WireTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: (number | boolean | string)[];
}

const TO_WIRE: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

const FROM_WIRE = Object.fromEntries(Object.entries(TO_WIRE).map(([ort, wire]) => [wire, ort]));

/** The ONNX element type of a v2 datatype (`FP32` → `float32`); undefined for one we cannot carry. */
export const elementType = (datatype: string): string | undefined => FROM_WIRE[datatype];

export function toWire(name: string, tensor: ort.Tensor): WireTensor {
  const datatype = TO_WIRE[tensor.type];
  if (!datatype || datatype === 'FP16') throw new Error(`input "${name}": ${tensor.type} tensors cannot travel as JSON`);
  const values = tensor.data as ArrayLike<number | bigint | boolean | string>;
  const data = Array.from(values, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return { name, shape: [...tensor.dims], datatype, data };
}

export function fromWire(tensor: WireTensor): ort.Tensor {
  const type = elementType(tensor.datatype);
  const flat = tensor.data.flat(Infinity as 1) as (number | boolean | string)[];
  const dims = tensor.shape;
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(flat as number[]), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(flat as number[]), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(flat as number[]), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(flat as number[], (v) => BigInt(v)), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(flat as number[]), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(flat as boolean[], (v) => (v ? 1 : 0)), dims);
    case 'string':
      return new ort.Tensor('string', flat as string[], dims);
    default:
      throw new Error(`output "${tensor.name}": datatype ${tensor.datatype} is not supported here`);
  }
}
