import { rm } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { splitOutputs, stackFeeds, tensorRequest } from '../src/inference/runtime/tensor-batching.js';
import type { GraphMetadata } from '../src/inference/repository/signature.js';
import { batchProbeModel, slowLoopModel } from './fixtures/models/tensor-models.js';
import { tempRepository, tensorManifest, writeModelFolder } from './fixtures/models/model-folder.js';

const FEATURES = 4;
const input = (i: number) => ({ type: 'float32' as const, dims: [1, FEATURES], data: Array.from({ length: FEATURES }, (_, k) => (i + k) / 10) });

describe('dynamic batching through the engine', () => {
  let repo: string;
  let engine: Engine;
  const warnings: string[] = [];

  beforeAll(async () => {
    repo = await tempRepository();
    const probe = { model: { path: 'model.onnx', bytes: batchProbeModel({ features: FEATURES }) } };
    await writeModelFolder(repo, 'batched', probe, tensorManifest({ batching: { maxBatchSize: 4, maxQueue: 64, concurrency: 1 } }));
    await writeModelFolder(repo, 'unbatched', probe, tensorManifest({ batching: { maxBatchSize: 1, maxQueue: 64 } }));
    await writeModelFolder(repo, 'delayed', probe, tensorManifest({ batching: { maxBatchSize: 8, maxQueueDelayMs: 100 } }));
    await writeModelFolder(repo, 'two-hosts', probe, tensorManifest({ batching: { maxBatchSize: 2, concurrency: 2 } }));
    await writeModelFolder(
      repo,
      'no-batch-axis',
      { model: { path: 'model.onnx', bytes: slowLoopModel(8) } },
      tensorManifest({ batching: { maxBatchSize: 4 } }),
    );
    engine = await Engine.create({
      modelsDir: repo,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: { ...silentLogger, warn: (_details, message) => void warnings.push(message ?? '') },
      limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 10 },
    });
    // Loaded up front so that batches form from queueing behind a busy model, not behind a load.
    for (const name of ['batched', 'unbatched', 'delayed', 'two-hosts']) expect((await engine.loadModel(name)).status).toBe('READY');
  });

  afterAll(async () => {
    await engine?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('stacks concurrent requests up to maxBatchSize and gives each its own rows back', async () => {
    const alone = await Promise.all(Array.from({ length: 16 }, (_, i) => engine.runTensors('unbatched', { x: input(i) })));
    expect(alone.every((r) => r.stats.batchSize === 1 && r.outputs.rows.data[0] === 1)).toBe(true);

    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => engine.runTensors('batched', { x: input(i) })));
    const sizes = results.map((r) => r.stats.batchSize);
    // The graph itself reports how many rows it ran with; it must agree with the stats.
    expect(results.map((r) => r.outputs.rows.data[0])).toEqual(sizes);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    results.forEach((r, i) => {
      expect(r.outputs.y.dims).toEqual([1, FEATURES]);
      r.outputs.y.data.forEach((v, k) => expect(v).toBeCloseTo(alone[i].outputs.y.data[k], 6));
    });
  });

  it('spreads batches over `concurrency` session hosts with the same results', async () => {
    const reference = await Promise.all(Array.from({ length: 8 }, (_, i) => engine.runTensors('unbatched', { x: input(i) })));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => engine.runTensors('two-hosts', { x: input(i) })));
    results.forEach((r, i) => {
      expect(r.stats.batchSize).toBeLessThanOrEqual(2);
      expect(r.outputs.rows.data[0]).toBe(r.stats.batchSize);
      r.outputs.y.data.forEach((v, k) => expect(v).toBeCloseTo(reference[i].outputs.y.data[k], 6));
    });
  });

  it('waits maxQueueDelayMs for company when idle', async () => {
    const results = await Promise.all([0, 1, 2].map((i) => engine.runTensors('delayed', { x: input(i) })));
    expect(results.map((r) => r.stats.batchSize)).toEqual([3, 3, 3]);
    expect(results.map((r) => r.outputs.rows.data[0])).toEqual([3, 3, 3]);
  });

  it('treats a request with several rows as that many rows of a batch', async () => {
    const two = { type: 'float32' as const, dims: [2, FEATURES], data: [...input(0).data, ...input(1).data] };
    const results = await Promise.all([engine.runTensors('batched', { x: two }), engine.runTensors('batched', { x: two }), engine.runTensors('batched', { x: two })]);
    for (const r of results) {
      expect(r.outputs.y.dims).toEqual([2, FEATURES]);
      expect(r.outputs.rows.data[0]).toBe(r.stats.batchSize);
      expect(r.stats.batchSize).toBeLessThanOrEqual(4);
    }
  });

  it('never batches a model without a dynamic leading axis on every tensor', async () => {
    expect(warnings.some((w) => w.includes('cannot be batched'))).toBe(false);
    const feeds = { x: { type: 'float32' as const, dims: [1, 8], data: new Array(8).fill(0.5) }, steps: { type: 'int64' as const, dims: [], data: [3] } };
    const results = await Promise.all([1, 2, 3].map(() => engine.runTensors('no-batch-axis', feeds)));
    expect(results.map((r) => r.stats.batchSize)).toEqual([1, 1, 1]);
    expect(warnings.some((w) => w.includes('cannot be batched'))).toBe(true);
  });
});

describe('tensor stacking', () => {
  const metadata: GraphMetadata = {
    inputs: [
      { name: 'a', isTensor: true, type: 'float32', shape: ['batch', 'n'] },
      { name: 'b', isTensor: true, type: 'int64', shape: ['batch', 2] },
    ],
    outputs: [{ name: 'out', isTensor: true, type: 'float32', shape: ['batch', 'n'] }],
  };

  it('keys requests by their non-batch dims and refuses inputs that disagree on the batch', () => {
    const r1 = tensorRequest({ a: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, b: { type: 'int64', dims: [1, 2], data: [1, 2] } }, metadata, true);
    const r2 = tensorRequest({ a: { type: 'float32', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] }, b: { type: 'int64', dims: [2, 2], data: [3, 4, 5, 6] } }, metadata, true);
    const r3 = tensorRequest({ a: { type: 'float32', dims: [1, 2], data: [1, 2] }, b: { type: 'int64', dims: [1, 2], data: [1, 2] } }, metadata, true);
    expect(r1.key).toBe(r2.key);
    expect(r1.key).not.toBe(r3.key);
    expect(r2.rows).toBe(2);
    expect(() =>
      tensorRequest({ a: { type: 'float32', dims: [2, 1], data: [1, 2] }, b: { type: 'int64', dims: [1, 2], data: [1, 2] } }, metadata, true),
    ).toThrow(/share their first \(batch\) dimension/);
    expect(() => tensorRequest({ a: { type: 'float32', dims: [1, 1], data: [1] }, b: { type: 'int64', dims: [1, 2], data: [1, 2.5] } }, metadata, true)).toThrow(
      /not an integer/,
    );

    const stacked = stackFeeds([r1, r2]);
    expect(stacked.a.dims).toEqual([3, 3]);
    expect(Array.from(stacked.a.data as Float32Array)).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(stacked.b.data as BigInt64Array)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);

    const out = new ort.Tensor('float32', Float32Array.from([9, 9, 9, 1, 1, 1, 2, 2, 2]), [3, 3]);
    const [first, second] = splitOutputs({ out }, [r1, r2], true);
    expect(first.out).toEqual({ type: 'float32', dims: [1, 3], data: [9, 9, 9] });
    expect(second.out).toEqual({ type: 'float32', dims: [2, 3], data: [1, 1, 1, 2, 2, 2] });
    expect(() => splitOutputs({ out }, [r1], true)).toThrow(/3 rows for a batch of 1/);
  });
});
