/**
 * A text-generation model whose decode thread dies while serving: the engine learns of it as
 * it does of a dead session worker — the model turns FAILED and says why — and a request in
 * flight ends with INFERENCE_FAILED instead of hanging.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine } from '../src/inference/engine.js';
import type { GenerationEvent } from '../src/inference/generation/types.js';
import { testEngine } from './support/engine.js';
import { createTestModels, type TestModels } from './support/models-dir.js';

let models: TestModels;
let engine: Engine;

beforeAll(async () => {
  models = await createTestModels({ lm: {} });
  engine = await testEngine(models.dir);
});

afterAll(async () => {
  await engine?.close();
  models?.cleanup();
});

it('fails the model when its decode thread dies, and ends the request in flight', async () => {
  expect((await engine.loadModel('tiny-lm')).status).toBe('READY');
  const stream = (await engine.generate('tiny-lm', { prompt: ' the cat', maxTokens: 120 }))[Symbol.asyncIterator]();
  const first = stream.next();
  // The real thread, stopped from outside, as a crash in native code would stop it.
  const slot = (engine as unknown as { slots: Map<string, { serving?: { generator: { worker: Worker } } }> }).slots.get('tiny-lm')!;
  await slot.serving!.generator.worker.terminate();
  const events: GenerationEvent[] = [];
  for (let next = await first; !next.done; next = await stream.next()) events.push(next.value);
  expect(events.at(-1)).toMatchObject({ type: 'completed', finishReason: 'ERROR', error: { code: 'INFERENCE_FAILED' } });
  const model = engine.model('tiny-lm')!;
  expect(model.status).toBe('FAILED');
  expect(model.loadError).toMatch(/decode thread exited/);
});
