/**
 * The reference rows of the generation suite: what onnxruntime-node itself does with no
 * server around it. A bare greedy loop (one session.run per token, present fed back as
 * past, argmax over the last row) and a MatMul probe whose runs give the machine's
 * weight-streaming bandwidth (gemv: one row against a matrix larger than any cache) and
 * its matrix-product throughput (sgemm), from which the decode rooflines follow.
 */
import { stat } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { readDecoderConfig } from '../../src/inference/generation/model-config.js';
import { describeDecoder, type DecoderSignature } from '../../src/inference/generation/signature.js';
import { ortSessionOptions, type SessionSettings } from '../../src/inference/runtime/options.js';

const { onnx } = onnxProto;

export interface BareDecoder {
  signature: DecoderSignature;
  /** Bytes of the graph file: the weights one decode step reads. */
  weightBytes: number;
  /** Greedy decode of `batch` copies of one prompt; tokens per second over the decode steps (prefill excluded). */
  decode(promptIds: readonly number[], batch: number, newTokens: number): Promise<number>;
  close(): Promise<void>;
}

const int64 = (values: ArrayLike<number>, dims: number[]) => new Tensor('int64', BigInt64Array.from(Array.from(values, BigInt)), dims);

export async function openBareDecoder(dir: string, graph: string, settings: SessionSettings): Promise<BareDecoder> {
  const session = await InferenceSession.create(graph, ortSessionOptions(settings, 'cpu'));
  const signature = describeDecoder(session, await readDecoderConfig(dir));
  const weightBytes = (await stat(graph)).size;
  const fetches = [signature.logits, ...signature.layers.flatMap((l) => [l.presentKey, l.presentValue])];
  const emptyKv = (batch: number) =>
    signature.kvType === 'float16'
      ? new Tensor('float16', new Uint16Array(0), [batch, signature.kvHeads, 0, signature.headDim])
      : new Tensor('float32', new Float32Array(0), [batch, signature.kvHeads, 0, signature.headDim]);

  async function decode(promptIds: readonly number[], batch: number, newTokens: number): Promise<number> {
    let past: Tensor[] = signature.layers.flatMap(() => [emptyKv(batch), emptyKv(batch)]);
    let tokens = Array.from({ length: batch }, () => [...promptIds]).flat();
    let seqLen = promptIds.length;
    let start = 0;
    for (let step = 0; step <= newTokens; step += 1) {
      if (step === 1) start = performance.now();
      const total = past[0].dims[2] + seqLen;
      const feeds: Record<string, Tensor> = { input_ids: int64(tokens, [batch, seqLen]) };
      if (signature.attentionMask) feeds.attention_mask = new Tensor('int64', new BigInt64Array(batch * total).fill(1n), [batch, total]);
      if (signature.positionIds) {
        const positions = Array.from({ length: batch * seqLen }, (_, i) => total - seqLen + (i % seqLen));
        feeds.position_ids = int64(positions, [batch, seqLen]);
      }
      signature.layers.forEach((names, i) => {
        feeds[names.pastKey] = past[2 * i];
        feeds[names.pastValue] = past[2 * i + 1];
      });
      const out = await session.run(feeds, fetches);
      const logits = out[signature.logits];
      const [, positions, vocab] = logits.dims;
      const data = logits.data as Float32Array;
      const next: number[] = [];
      for (let r = 0; r < batch; r += 1) {
        const from = (r * positions + positions - 1) * vocab;
        let best = 0;
        for (let v = 1; v < vocab; v += 1) if (data[from + v] > data[from + best]) best = v;
        next.push(best);
      }
      past = signature.layers.flatMap((names) => [out[names.presentKey], out[names.presentValue]]);
      tokens = next;
      seqLen = 1;
    }
    return (newTokens * batch * 1000) / (performance.now() - start);
  }

  return { signature, weightBytes, decode, close: () => session.release() };
}

export interface MatMulProbe {
  /** Bytes of weights streamed per second by a 1-row product (a decode step at batch 1 is this). */
  gemvBytesPerSecond: number;
  /** Floating-point operations per second of a many-row product (decode steps of many rows approach this). */
  sgemmFlopsPerSecond: number;
}

/** One MatMul graph X[?, k] × W[k, n] with W a random initializer. */
function matmulGraph(k: number, n: number): Uint8Array {
  // Small normal floats: random bit patterns would include subnormals and NaNs, whose slow
  // arithmetic made the probe report a fraction of the machine's real speed.
  const weights = new Float32Array(k * n);
  for (let i = 0; i < weights.length; i += 1) weights[i] = (Math.random() - 0.5) * 2e-3;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dims: [k, n], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(weights.buffer) }],
      input: [{ name: 'x', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'rows' }, { dimValue: k }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'rows' }, { dimValue: n }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function bestOf(times: number, run: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000;
}

/** A 128 MiB weight matrix: far larger than the caches, so a gemv streams it from memory. */
export async function probeMatMul(settings: SessionSettings, k = 1024, n = 32_768): Promise<MatMulProbe> {
  const session = await InferenceSession.create(matmulGraph(k, n), ortSessionOptions(settings, 'cpu'));
  try {
    const run = (rows: number) => {
      const x = new Tensor('float32', new Float32Array(rows * k).fill(0.5), [rows, k]);
      return () => session.run({ x });
    };
    await run(1)();
    const gemv = await bestOf(8, run(1));
    const rows = 128;
    await run(rows)();
    const sgemm = await bestOf(3, run(rows));
    return { gemvBytesPerSecond: (k * n * 4) / gemv, sgemmFlopsPerSecond: (2 * rows * k * n) / sgemm };
  } finally {
    await session.release();
  }
}
