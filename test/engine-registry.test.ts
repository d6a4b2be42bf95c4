/**
 * The task registry: every task the API names (the GraphQL Task enum, less PIPELINE, which
 * chains tasks rather than serving a model) has one task kind, registered under its own
 * name, and a model of each task — one repository holding a fixture of every kind — binds
 * through the registry to READY and serves a request of its task.
 */
import { cpSync, readFileSync } from 'node:fs';
import { cp, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/inference/engine.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { TASK_KINDS } from '../src/inference/tasks/registry.js';
import type { Task } from '../src/inference/types.js';
import { toneText, writeCtcModel } from './fixtures/asr/ctc-model.js';
import { IMAGE_SIZE, testPicture, writeTinyCaptioner } from './fixtures/captioning/tiny-captioner.js';
import { tensorManifest, writeModelFolder } from './fixtures/models/model-folder.js';
import { addOneModel } from './fixtures/models/tensor-models.js';
import { wavefileWav } from './fixtures/media/signals.js';
import { writeBertLike, writeDualEncoder, writePixelProbeClassifier } from './fixtures/vision/models.js';
import { createTestModels, type TestModels } from './support/models-dir.js';

function apiTasks(): string[] {
  const schema = readFileSync('schema.graphql', 'utf8');
  const body = /enum Task \{([^}]*)\}/.exec(schema)![1];
  return [...body.matchAll(/^\s*([A-Z_]+)\s*$/gm)].map((m) => m[1]).filter((task) => task !== 'PIPELINE');
}

describe('the task registry', () => {
  it('has one task kind for every task the API names, each under its own name', () => {
    expect(Object.keys(TASK_KINDS).sort()).toEqual(apiTasks().sort());
    for (const [task, kind] of Object.entries(TASK_KINDS)) expect(kind.task).toBe(task);
  });
});

describe('a model of every task binds through the registry', () => {
  let models: TestModels;
  let engine: Engine;

  beforeAll(async () => {
    models = await createTestModels({ lm: {}, real: ['paddleocr-v4', 'silero-vad'] });
    const repo = models.dir;
    // npm: paths of the shipped manifests resolve by walking up from the model folder.
    await symlink(resolve('node_modules'), join(repo, 'node_modules'));
    await writeCtcModel(repo);
    await writeTinyCaptioner(repo);
    await writePixelProbeClassifier(repo, 'probe', { height: 4, width: 4 }, {
      do_resize: true,
      size: { shortest_edge: 4 },
      do_center_crop: true,
      crop_size: { height: 4, width: 4 },
      do_rescale: true,
      rescale_factor: 1 / 255,
    });
    await writeDualEncoder(repo, 'dual');
    // The house VLM is small enough to be its own fixture (the decoder-VLM layout, three graphs).
    await cp('models/tessera-vlm', join(repo, 'tessera-vlm'), { recursive: true, filter: (src) => !src.includes('recipe') });
    await writeBertLike(repo, 'bert');
    cpSync('models/tessera-tts', join(repo, 'tessera-tts'), { recursive: true });
    await writeModelFolder(repo, 'add-one', { model: { path: 'model.onnx', bytes: addOneModel() } }, tensorManifest());
    engine = await Engine.create({
      modelsDir: repo,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 },
      logger: silentLogger,
      limits: { maxImagePixels: 4_000_000, maxAudioSeconds: 60 },
    });
    await engine.preloaded();
  });

  afterAll(async () => {
    await engine?.close();
    models?.cleanup();
  });

  it('loads one model of each task to READY', async () => {
    for (const task of apiTasks() as Task[]) {
      const { name } = engine.resolveModel(task);
      expect(await engine.loadModel(name), `${task} (${name})`).toMatchObject({ task, status: 'READY', loadError: null });
    }
  });

  it('serves a request of each task through its kind', async () => {
    const raw = { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 as const };
    const picture = new Uint8Array(await sharp(testPicture(1), { raw }).png().toBuffer());
    const speech = toneText('SALT');
    const drain = async <T>(events: AsyncIterable<T>) => {
      const all: T[] = [];
      for await (const event of events) all.push(event);
      return all.at(-1);
    };
    expect((await engine.runTensors('add-one', { x: { type: 'float32', dims: [1, 3], data: [1, 2, 3] } })).outputs).toBeDefined();
    expect((await engine.classifyImage(undefined, picture, { topK: 2 })).labels).toHaveLength(2);
    expect((await engine.classifyImageZeroShot(undefined, picture, ['red', 'blue'])).labels).toHaveLength(2);
    expect((await engine.embed('bert', { text: 'the cat sat' })).modality).toBe('TEXT');
    expect(await drain(await engine.captionImage(undefined, picture, { maxTokens: 2 }))).toMatchObject({ type: 'completed' });
    expect(await drain(await engine.generate(undefined, { prompt: 'a', maxTokens: 2 }))).toMatchObject({ type: 'completed' });
    const question = { messages: [{ role: 'user' as const, content: '', parts: [{ type: 'image' as const, image: picture }, { type: 'text' as const, text: 'is there a star?' }] }], maxTokens: 2 };
    expect(await drain(await engine.generateFromImages(undefined, question))).toMatchObject({ type: 'completed', finishReason: expect.stringMatching(/STOP|LENGTH/) });
    expect(await drain(await engine.transcribe('tiny-ctc', { samples: speech, sampleRate: 16000 }))).toMatchObject({ type: 'completed' });
    expect((await engine.recognizeText(undefined, picture)).width).toBe(IMAGE_SIZE);
    const spoken = await drain(await engine.speak(undefined, 'Salt.'));
    expect(spoken).toMatchObject({ sequence: 0, text: 'Salt.', sampleRate: 22050 });
    expect(spoken!.samples.length).toBeGreaterThan(0);
    expect((await engine.detectSpeech(undefined, wavefileWav([Float64Array.from(speech)], 16000, '16'))).sampleRate).toBe(16000);
  });
});
