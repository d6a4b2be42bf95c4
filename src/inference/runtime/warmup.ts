/**
 * One run right after loading, so the first client request does not pay for onnxruntime's
 * lazy allocations, and a model that loads but cannot run fails at load rather than later.
 */
import * as ort from 'onnxruntime-node';
import type { WarmupFeeds } from '../repository/manifest.js';
import type { GraphMetadata } from '../repository/signature.js';

function filled(type: string, dims: number[], fill: number): ort.Tensor | undefined {
  const size = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(size).fill(fill), dims);
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(size).fill(BigInt(Math.trunc(fill))), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(size).fill(fill), dims);
    case 'uint8':
    case 'bool':
      return new ort.Tensor(type, new Uint8Array(size).fill(fill), dims);
    default:
      return undefined;
  }
}

/** Feeds the manifest declares for this file, built to the graph's element types. */
export function declaredWarmupFeeds(declared: WarmupFeeds, metadata: GraphMetadata): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of metadata.inputs) {
    const spec = declared[input.name];
    if (!spec) throw new Error(`warmup: no feed declared for input "${input.name}"`);
    const tensor = input.type === undefined ? undefined : filled(input.type, spec.dims, spec.fill ?? 0);
    if (!tensor) throw new Error(`warmup: cannot build an input of type ${input.type ?? 'non-tensor'} for "${input.name}"`);
    feeds[input.name] = tensor;
  }
  return feeds;
}

/** Zero feeds with every dynamic axis set to 1, for graphs whose manifest declares none. */
export function guessedWarmupFeeds(metadata: GraphMetadata): Record<string, ort.Tensor> | undefined {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of metadata.inputs) {
    if (!input.isTensor || input.type === undefined || input.shape === undefined) return undefined;
    const tensor = filled(input.type, input.shape.map((d) => (typeof d === 'number' ? d : 1)), 0);
    if (!tensor) return undefined;
    feeds[input.name] = tensor;
  }
  return feeds;
}
