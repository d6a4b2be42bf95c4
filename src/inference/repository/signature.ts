/**
 * Compares what an ONNX file declares (names, element types, ranks, fixed sizes) with
 * what its manifest promises, so a swapped or re-exported file is caught at load time
 * rather than as a shape error inside some request.
 */
import type { FileSignature, TensorSignature } from './manifest.js';

/** The subset of onnxruntime's value metadata the check needs. */
export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface GraphMetadata {
  inputs: readonly ValueMetadata[];
  outputs: readonly ValueMetadata[];
}

function compareSide(side: 'input' | 'output', declared: TensorSignature[], actual: readonly ValueMetadata[]): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((m) => [m.name, m]));
  for (const expected of declared) {
    const found = byName.get(expected.name);
    if (!found) {
      problems.push(`${side} "${expected.name}" is missing (the file has ${actual.map((m) => `"${m.name}"`).join(', ') || 'none'})`);
      continue;
    }
    if (!found.isTensor || found.type === undefined || found.shape === undefined) {
      problems.push(`${side} "${expected.name}" is not a tensor`);
      continue;
    }
    if (found.type !== expected.type) {
      problems.push(`${side} "${expected.name}" has type ${found.type}, the manifest says ${expected.type}`);
    }
    if (found.shape.length !== expected.rank) {
      problems.push(`${side} "${expected.name}" has rank ${found.shape.length}, the manifest says ${expected.rank}`);
      continue;
    }
    expected.dims?.forEach((dim, axis) => {
      const actualDim = found.shape![axis];
      if (dim !== null && actualDim !== dim) {
        problems.push(`${side} "${expected.name}" axis ${axis} is ${JSON.stringify(actualDim)}, the manifest says ${dim}`);
      }
    });
  }
  const declaredNames = new Set(declared.map((s) => s.name));
  for (const m of actual) {
    if (!declaredNames.has(m.name)) problems.push(`${side} "${m.name}" is in the file but not in the manifest`);
  }
  return problems;
}

/** Every disagreement between file and manifest, empty when they match. */
export function signatureProblems(declared: FileSignature, actual: GraphMetadata): string[] {
  return [...compareSide('input', declared.inputs, actual.inputs), ...compareSide('output', declared.outputs, actual.outputs)];
}

function describe(m: ValueMetadata): TensorSignature {
  if (!m.isTensor || m.type === undefined || m.shape === undefined) {
    throw new Error(`"${m.name}" is not a tensor; manifests describe tensors only`);
  }
  return {
    name: m.name,
    type: m.type as TensorSignature['type'],
    rank: m.shape.length,
    dims: m.shape.map((d) => (typeof d === 'number' ? d : null)),
  };
}

/** The manifest signature an ONNX file would need, for generating manifests from files. */
export function signatureFromMetadata(actual: GraphMetadata): FileSignature {
  return { inputs: actual.inputs.map(describe), outputs: actual.outputs.map(describe) };
}
