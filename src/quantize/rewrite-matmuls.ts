/**
 * Rewrites an ONNX model's float MatMuls with constant [K, N] weights into
 * com.microsoft `MatMulNBits` nodes. Only the weights change: the graph's inputs and
 * outputs keep their names and types, so the model's manifest signature still holds.
 * Weights kept in external data files are read in and written inline, so the result is
 * one self-contained file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { quantizeMatrix, type WeightBits } from './block-quantize.js';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;

const MS_DOMAIN = 'com.microsoft';
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const UINT8 = onnx.TensorProto.DataType.UINT8;

export interface RewriteOptions {
  bits: WeightBits;
  blockSize: number;
  /** MatMulNBits' hint for how A may be computed (4: int8); left unset when undefined. */
  accuracyLevel?: number;
}

export interface RewriteReport {
  bytes: Uint8Array;
  /** MatMuls turned into MatMulNBits. */
  rewritten: number;
  /** Float weights before and after, in bytes, over the rewritten MatMuls. */
  weightBytesBefore: number;
  weightBytesAfter: number;
}

/** Loads external data into `rawData` so the tensor can be read and the model saved as one file. */
async function inlineExternalData(tensor: TensorProto, modelDir: string): Promise<void> {
  if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
  const entry = (key: string) => tensor.externalData?.find((e) => e.key === key)?.value;
  const location = entry('location');
  if (!location) throw new Error(`initializer ${tensor.name} has external data without a location`);
  const offset = Number(entry('offset') ?? 0);
  const file = await readFile(path.join(modelDir, location));
  const length = entry('length') === undefined ? file.length - offset : Number(entry('length'));
  tensor.rawData = file.subarray(offset, offset + length);
  tensor.externalData = [];
  tensor.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
}

function floatValues(tensor: TensorProto): Float32Array {
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    // Copy: rawData's offset into the decoded buffer need not be 4-byte aligned.
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  return Float32Array.from(tensor.floatData ?? []);
}

function intAttribute(name: string, value: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

function uint8Tensor(name: string, dims: number[], data: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims, dataType: UINT8, rawData: data });
}

/** How many places read each value name: node inputs (subgraphs included) and graph outputs. */
function useCounts(graph: onnxProto.onnx.IGraphProto, counts = new Map<string, number>()): Map<string, number> {
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) bump(input);
    for (const attribute of node.attribute ?? []) {
      if (attribute.g) useCounts(attribute.g, counts);
      for (const sub of attribute.graphs ?? []) useCounts(sub, counts);
    }
  }
  for (const output of graph.output ?? []) bump(output.name ?? '');
  return counts;
}

export async function rewriteMatMuls(modelBytes: Uint8Array, modelDir: string, options: RewriteOptions): Promise<RewriteReport> {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('the file holds no graph');
  for (const tensor of graph.initializer ?? []) await inlineExternalData(tensor, modelDir);

  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const uses = useCounts(graph);
  const dropped = new Set<string>();
  const added: TensorProto[] = [];
  let rewritten = 0;
  let weightBytesBefore = 0;
  let weightBytesAfter = 0;

  /** Quantized weight names by source weight, so a weight shared by several MatMuls is quantized once. */
  const quantized = new Map<string, { base: string; K: number; N: number }>();
  const quantize = (weight: TensorProto) => {
    const name = weight.name ?? '';
    const known = quantized.get(name);
    if (known) return known;
    const [K, N] = weight.dims!.map(Number);
    const q = quantizeMatrix(floatValues(weight), K, N, options.bits, options.blockSize);
    const base = `${name}_${options.bits}bit_b${options.blockSize}`;
    added.push(
      uint8Tensor(`${base}_q`, [N, q.blocks, q.blobSize], q.packed),
      onnx.TensorProto.create({ name: `${base}_scales`, dims: [N * q.blocks], dataType: FLOAT, rawData: new Uint8Array(q.scales.buffer) }),
      uint8Tensor(`${base}_zp`, [N * q.zeroPointBytes], q.zeroPoints),
    );
    weightBytesBefore += K * N * 4;
    weightBytesAfter += q.packed.length + q.scales.byteLength + q.zeroPoints.length;
    quantized.set(name, { base, K, N });
    return { base, K, N };
  };

  const rewriteNode = (node: NodeProto): NodeProto => {
    if (node.opType !== 'MatMul' || (node.domain ?? '') !== '' || node.input?.length !== 2) return node;
    const weight = initializers.get(node.input[1]);
    if (!weight || weight.dataType !== FLOAT || weight.dims?.length !== 2) return node;
    const { base, K, N } = quantize(weight);
    const remaining = (uses.get(weight.name ?? '') ?? 0) - 1;
    uses.set(weight.name ?? '', remaining);
    if (remaining === 0) dropped.add(weight.name ?? '');
    rewritten += 1;
    return onnx.NodeProto.create({
      name: node.name ? `${node.name}_MatMulNBits` : '',
      opType: 'MatMulNBits',
      domain: MS_DOMAIN,
      input: [node.input[0], `${base}_q`, `${base}_scales`, `${base}_zp`],
      output: node.output,
      attribute: [
        intAttribute('K', K),
        intAttribute('N', N),
        intAttribute('bits', options.bits),
        intAttribute('block_size', options.blockSize),
        ...(options.accuracyLevel === undefined ? [] : [intAttribute('accuracy_level', options.accuracyLevel)]),
      ],
    });
  };
  // Merged decoders keep their MatMuls inside If branches, reading the main graph's weights.
  const rewriteGraph = (subject: onnxProto.onnx.IGraphProto): void => {
    subject.node = (subject.node ?? []).map((node) => {
      for (const attribute of node.attribute ?? []) {
        if (attribute.g) rewriteGraph(attribute.g);
        for (const sub of attribute.graphs ?? []) rewriteGraph(sub);
      }
      return rewriteNode(node);
    });
  };
  rewriteGraph(graph);

  graph.initializer = [...(graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? '')), ...added];
  // Old IR versions also list initializers as graph inputs; a dropped weight must go from there too.
  graph.input = (graph.input ?? []).filter((i) => !dropped.has(i.name ?? ''));
  if (rewritten > 0 && !(model.opsetImport ?? []).some((o) => o.domain === MS_DOMAIN)) {
    model.opsetImport = [...(model.opsetImport ?? []), onnx.OperatorSetIdProto.create({ domain: MS_DOMAIN, version: 1 })];
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), rewritten, weightBytesBefore, weightBytesAfter };
}
