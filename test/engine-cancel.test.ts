import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import { Engine, type EngineOptions } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { slowLoopModel } from './fixtures/models/tensor-models.js';
import { rejection } from './fixtures/models/rejection.js';
import { tempRepository, tensorManifest, writeModelFolder } from './fixtures/models/model-folder.js';

const WIDTH = 256;
/** A few hundred milliseconds of work on one core (a Loop of this many 256×256 products). */
const SLOW_STEPS = 80_000;

const feeds = (steps: number) => ({
  x: { type: 'float32' as const, dims: [1, WIDTH], data: new Array(WIDTH).fill(0.01) },
  steps: { type: 'int64' as const, dims: [], data: [steps] },
});

async function engineWithSlowModel(sessionThread: 'worker' | 'main' = 'worker'): Promise<{ engine: Engine; repo: string }> {
  const repo = await tempRepository();
  await writeModelFolder(
    repo,
    'slow',
    { model: { path: 'model.onnx', bytes: slowLoopModel(WIDTH) } },
    tensorManifest({ preload: true, batching: { maxQueue: 2, concurrency: 1 } }),
  );
  const options: EngineOptions = {
    modelsDir: repo,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, sessionThread },
    logger: silentLogger,
    limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 10 },
  };
  const engine = await Engine.create(options);
  await engine.preloaded();
  return { engine, repo };
}

/** Starts a slow run and resolves once it has left the queue and is computing. */
function startSlow(engine: Engine, signal?: AbortSignal) {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const result = engine.runTensors('slow', feeds(SLOW_STEPS), { signal, onStart: started });
  result.catch(() => undefined);
  return { result, running };
}

describe('cancellation and back-pressure on a worker-hosted model', () => {
  let engine: Engine;
  let repo: string;

  beforeAll(async () => {
    ({ engine, repo } = await engineWithSlowModel());
    expect(engine.model('slow')!.status).toBe('READY');
  });

  afterAll(async () => {
    await engine?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('answers OVERLOADED at once when the queue is full, CANCELLED for aborted work, and then drains', async () => {
    const running = new AbortController();
    const first = startSlow(engine, running.signal);
    await first.running;
    const waiting = [new AbortController(), new AbortController()];
    const queued = waiting.map((c) => engine.runTensors('slow', feeds(1), { signal: c.signal }));
    for (const q of queued) q.catch(() => undefined);

    const refused = await rejection(engine.runTensors('slow', feeds(1)));
    expect(refused.code).toBe('OVERLOADED');
    expect(refused.message).toContain('model "slow"');

    waiting[0].abort();
    expect((await rejection(queued[0])).code).toBe('CANCELLED');
    // The aborted request freed its place: this one is queued, not refused.
    const third = engine.runTensors('slow', feeds(2));

    running.abort();
    expect((await rejection(first.result)).code).toBe('CANCELLED');
    waiting[1].abort();
    expect((await rejection(queued[1])).code).toBe('CANCELLED');

    const served = await third;
    expect(served.outputs.y.dims).toEqual([1, WIDTH]);
    expect(served.stats.batchSize).toBe(1);
  });

  it('settles an aborted run before the model finishes it', async () => {
    const controller = new AbortController();
    const slow = startSlow(engine, controller.signal);
    await slow.running;
    // Queued behind the slow run: it can only finish after the worker is done with it.
    const behind = engine.runTensors('slow', feeds(1));
    let behindDone = false;
    void behind.then(() => (behindDone = true));
    controller.abort();
    const error = await rejection(slow.result);
    expect(error.code).toBe('CANCELLED');
    expect(behindDone).toBe(false);
    expect((await behind).outputs.y.dims).toEqual([1, WIDTH]);
  });

  it('passes a custom abort reason through', async () => {
    const controller = new AbortController();
    controller.abort(new TesseraError('CANCELLED', 'client went away'));
    const error = await rejection(engine.runTensors('slow', feeds(1), { signal: controller.signal }));
    expect(error.message).toBe('client went away');
  });

  it('unloading cancels waiting work and lets running work finish', async () => {
    const first = startSlow(engine);
    await first.running;
    const waiting = engine.runTensors('slow', feeds(1));
    waiting.catch(() => undefined);
    const unloaded = engine.unloadModel('slow');
    const error = await rejection(waiting);
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('unloaded');
    expect((await first.result).outputs.y.dims).toEqual([1, WIDTH]);
    expect((await unloaded).status).toBe('UNLOADED');
    // The next request loads it again.
    expect((await engine.runTensors('slow', feeds(1))).outputs.y.dims).toEqual([1, WIDTH]);
  });
});

describe('shutdown', () => {
  it('close() answers waiting and running work with SHUTTING_DOWN and refuses new work', async () => {
    const { engine, repo } = await engineWithSlowModel();
    try {
      const first = startSlow(engine);
      await first.running;
      const waiting = engine.runTensors('slow', feeds(1));
      waiting.catch(() => undefined);
      const closing = engine.close();
      expect((await rejection(waiting)).code).toBe('SHUTTING_DOWN');
      expect((await rejection(first.result)).code).toBe('SHUTTING_DOWN');
      await closing;
      expect((await rejection(engine.runTensors('slow', feeds(1)))).code).toBe('SHUTTING_DOWN');
      expect(engine.ready()).toEqual({ ready: false, reasons: ['the engine is shut down'] });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('sessions on the calling thread', () => {
  it('runs, and still reports an abort that arrived during the (blocking) run as CANCELLED', async () => {
    const { engine, repo } = await engineWithSlowModel('main');
    try {
      expect((await engine.runTensors('slow', feeds(2))).outputs.y.dims).toEqual([1, WIDTH]);
      const controller = new AbortController();
      const result = engine.runTensors('slow', feeds(1000), { signal: controller.signal, onStart: () => setImmediate(() => controller.abort()) });
      expect((await rejection(result)).code).toBe('CANCELLED');
    } finally {
      await engine.close();
      await rm(repo, { recursive: true, force: true });
    }
  });
});
