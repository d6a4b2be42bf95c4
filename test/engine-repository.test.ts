import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraError } from '../src/errors.js';
import { Engine, type EngineOptions } from '../src/inference/engine.js';
import { parseManifest } from '../src/inference/repository/manifest.js';
import { CHECKSUM_CACHE_FILE } from '../src/inference/repository/checksum.js';
import { addOneModel } from './fixtures/models/tensor-models.js';
import { rejection } from './fixtures/models/rejection.js';
import { sha256, tempRepository, tensorManifest, writeModelFolder } from './fixtures/models/model-folder.js';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  details: object;
  message?: string;
}

function recordingLogger() {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (details: object, message?: string) => void lines.push({ level, details, message });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

const addOneSignature = {
  model: {
    inputs: [{ name: 'x', type: 'float32' as const, rank: 2, dims: [null, 3] }],
    outputs: [{ name: 'y', type: 'float32' as const, rank: 2 }],
  },
};

const options = (modelsDir: string, logger = recordingLogger().logger, executionProvider: 'cpu' | 'cuda' = 'cpu'): EngineOptions => ({
  modelsDir,
  runtime: { executionProvider, intraOpThreads: 1, interOpThreads: 1 },
  logger,
  limits: { maxImagePixels: 1_000_000, maxAudioSeconds: 10 },
});

const row = (values: number[]) => ({ type: 'float32' as const, dims: [1, values.length], data: values });

describe('model repository: broken models fail alone', () => {
  let repo: string;
  let engine: Engine;
  const log = recordingLogger();
  const model = addOneModel();

  beforeAll(async () => {
    repo = await tempRepository();
    const file = { model: { path: 'model.onnx', bytes: model } };
    await writeModelFolder(repo, 'add-one', file, tensorManifest({ preload: true, signature: addOneSignature }));
    const truncated = model.slice(0, Math.floor(model.length / 2));
    await writeModelFolder(repo, 'truncated', { model: { path: 'model.onnx', bytes: truncated } }, tensorManifest({ preload: true }));
    await writeModelFolder(repo, 'bad-checksum', file, tensorManifest({ preload: true, sha256: { model: sha256('something else') } }));
    await writeModelFolder(
      repo,
      'bad-signature',
      file,
      tensorManifest({
        preload: true,
        signature: { model: { inputs: [{ name: 'x', type: 'int64', rank: 3 }], outputs: [{ name: 'z', type: 'float32', rank: 2 }] } },
      }),
    );
    await writeModelFolder(repo, 'missing-file', file, tensorManifest({ preload: true }));
    await rm(join(repo, 'missing-file', 'model.onnx'));
    await writeModelFolder(repo, 'bad-json', file, tensorManifest());
    await writeFile(join(repo, 'bad-json', 'model.json'), '{ "name": "bad-json", ');
    await writeModelFolder(repo, 'bad-field', file, tensorManifest({ license: '', batching: { maxQueue: -1 } }));
    await writeModelFolder(repo, 'lazy', file, tensorManifest({ preload: false }));
    engine = await Engine.create(options(repo, log.logger));
    await engine.preloaded();
  });

  afterAll(async () => {
    await engine?.close();
    await rm(repo, { recursive: true, force: true });
  });

  it('loads the good model and reports the provider it runs on', () => {
    expect(engine.model('add-one')).toMatchObject({ status: 'READY', executionProvider: 'cpu', task: 'TENSOR', loadError: null, preload: true });
    expect(engine.model('lazy')).toMatchObject({ status: 'UNLOADED', executionProvider: null });
    expect(engine.ready()).toEqual({ ready: true, reasons: [] });
  });

  it('names the file of a truncated .onnx', () => {
    const info = engine.model('truncated')!;
    expect(info.status).toBe('FAILED');
    expect(info.loadError).toContain(join(repo, 'truncated', 'model.onnx'));
    expect(info.loadError).toContain('cannot be loaded by onnxruntime');
  });

  it('reports a checksum mismatch with both hashes', () => {
    const info = engine.model('bad-checksum')!;
    expect(info.status).toBe('FAILED');
    expect(info.loadError).toContain('files.model');
    expect(info.loadError).toContain(`the manifest expects ${sha256('something else')}`);
    expect(info.loadError).toContain(sha256(model));
  });

  it('lists every signature mismatch against the file', () => {
    const error = engine.model('bad-signature')!.loadError!;
    expect(error).toContain('does not match signature.model');
    expect(error).toContain('input "x" has type float32, the manifest says int64');
    expect(error).toContain('input "x" has rank 2, the manifest says 3');
    expect(error).toContain('output "z" is missing');
    expect(error).toContain('output "y" is in the file but not in the manifest');
  });

  it('reports a missing file, bad JSON and a bad field with the manifest path and field', () => {
    expect(engine.model('missing-file')!.loadError).toMatch(/files\.model: .*model\.onnx is missing/);
    const badJson = engine.model('bad-json')!;
    expect(badJson.status).toBe('FAILED');
    expect(badJson.loadError).toContain(join(repo, 'bad-json', 'model.json'));
    expect(badJson.loadError).toContain('not valid JSON');
    const badField = engine.model('bad-field')!.loadError!;
    expect(badField).toContain(join(repo, 'bad-field', 'model.json'));
    expect(badField).toContain('license:');
    expect(badField).toContain('batching.maxQueue:');
  });

  it('keeps serving the good model next to the broken ones', async () => {
    const result = await engine.runTensors('add-one', { x: row([1, 2, 3]) });
    expect(result.outputs.y).toEqual({ type: 'float32', dims: [1, 3], data: [2, 3, 4] });
    expect(result.stats.batchSize).toBe(1);
  });

  it('answers MODEL_LOAD_FAILED for a failed model, MODEL_NOT_FOUND for an unknown one', async () => {
    const failed = await rejection(engine.runTensors('truncated', { x: row([1, 2, 3]) }));
    expect(failed.code).toBe('MODEL_LOAD_FAILED');
    expect(failed.message).toContain('model.onnx');
    expect((await rejection(engine.runTensors('nope', { x: row([1]) }))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(engine.loadModel('nope'))).code).toBe('MODEL_NOT_FOUND');
    // A name is never a path: nothing outside the repository is looked at.
    expect((await rejection(engine.loadModel('../add-one'))).code).toBe('MODEL_NOT_FOUND');
    expect(() => engine.resolveModel('TENSOR', 'nope')).toThrow(/No model named "nope"/);
  });

  it('refuses a model of another task with BAD_USER_INPUT naming the task it serves', async () => {
    const error = await rejection(engine.recognizeText('add-one', new Uint8Array([1, 2, 3])));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('Model "add-one" serves TENSOR, not OCR.');
    expect((await rejection(engine.detectSpeech('add-one', new Uint8Array(4)))).code).toBe('BAD_USER_INPUT');
  });

  it('picks a default model per task and says when a task has none', () => {
    expect(engine.resolveModel('TENSOR').name).toBe('add-one');
    let thrown: unknown;
    try {
      engine.resolveModel('OCR');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as TesseraError).code).toBe('MODEL_NOT_FOUND');
    expect((thrown as TesseraError).message).toContain('No OCR model');
  });

  it('checks feeds against the graph before queueing', async () => {
    const bad = async (feeds: Parameters<Engine['runTensors']>[1]) => rejection(engine.runTensors('add-one', feeds));
    expect((await bad({})).message).toContain('missing "x"');
    expect((await bad({ x: row([1, 2, 3]), extra: row([1]) })).message).toContain('unknown "extra"');
    expect((await bad({ x: { type: 'int64', dims: [1, 3], data: [1, 2, 3] } })).message).toContain('must be float32');
    expect((await bad({ x: { type: 'float32', dims: [3], data: [1, 2, 3] } })).message).toContain('must have rank 2');
    expect((await bad({ x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } })).message).toContain('axis 1 must be 3');
    expect((await bad({ x: { type: 'float32', dims: [1, 3], data: [1, 2] } })).message).toContain('has 2 values but dims [1,3] need 3');
    expect((await bad({ x: { type: 'float32', dims: [1, 3], data: [1, Number.NaN, 3] } })).message).toContain('value 1 is not a finite number');
    for (const error of [await bad({})]) expect(error.code).toBe('BAD_USER_INPUT');
  });

  it('loads a lazy model on first use, and unloads and reloads it', async () => {
    const result = await engine.runTensors('lazy', { x: row([0, 0, 0]) });
    expect(result.outputs.y.data).toEqual([1, 1, 1]);
    expect(engine.model('lazy')!.status).toBe('READY');
    expect((await engine.unloadModel('lazy')).status).toBe('UNLOADED');
    expect((await engine.loadModel('lazy')).status).toBe('READY');
  });

  it('retries a failed model from disk once it is fixed', async () => {
    const manifestPath = join(repo, 'bad-checksum', 'model.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.files.model.sha256 = sha256(model);
    await writeFile(manifestPath, JSON.stringify(manifest));
    const info = await engine.loadModel('bad-checksum');
    expect(info).toMatchObject({ status: 'READY', loadError: null });
  });

  it('logged each failure with the model name', () => {
    const failedModels = log.lines.filter((l) => l.level === 'error').map((l) => (l.details as { model: string }).model);
    expect(new Set(failedModels)).toEqual(new Set(['truncated', 'bad-checksum', 'bad-signature', 'missing-file', 'bad-json', 'bad-field']));
  });
});

describe('checksum cache', () => {
  it('trusts a cached hash while size and mtime hold, and hashes again when the file changes', async () => {
    const repo = await tempRepository();
    try {
      const dir = await writeModelFolder(repo, 'cached', { model: { path: 'model.onnx', bytes: addOneModel() } }, tensorManifest());
      const first = await Engine.create(options(repo));
      expect((await first.loadModel('cached')).status).toBe('READY');
      await first.close();
      const cachePath = join(dir, CHECKSUM_CACHE_FILE);
      const cache = JSON.parse(await readFile(cachePath, 'utf8'));
      const modelPath = join(dir, 'model.onnx');
      expect(cache[modelPath].sha256).toBe(sha256(addOneModel()));

      // A poisoned cache entry is believed: proof the file was not hashed again.
      cache[modelPath].sha256 = '0'.repeat(64);
      await writeFile(cachePath, JSON.stringify(cache));
      const second = await Engine.create(options(repo));
      expect((await second.loadModel('cached')).loadError).toContain(`sha256 is ${'0'.repeat(64)}`);
      await second.close();

      // Truncating the file changes its size, so it is hashed afresh and caught.
      const bytes = addOneModel();
      await writeFile(modelPath, bytes.slice(0, bytes.length - 10));
      const third = await Engine.create(options(repo));
      expect((await third.loadModel('cached')).loadError).toContain(`sha256 is ${sha256(bytes.slice(0, bytes.length - 10))}`);
      await third.close();
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('execution providers', () => {
  it('falls back to the CPU when the requested provider is unavailable, and logs why', async () => {
    const repo = await tempRepository();
    const log = recordingLogger();
    try {
      await writeModelFolder(repo, 'm', { model: { path: 'model.onnx', bytes: addOneModel() } }, tensorManifest());
      const engine = await Engine.create(options(repo, log.logger, 'cuda'));
      expect((await engine.loadModel('m')).executionProvider).toBe('cpu');
      const warning = log.lines.find((l) => l.level === 'warn' && l.message?.includes('falling back'));
      expect(warning?.details).toMatchObject({ requested: 'cuda', used: 'cpu' });
      expect(JSON.stringify(warning?.details)).toMatch(/cuda/i);
      await engine.close();
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('manifest validation', () => {
  const valid = {
    name: 'm',
    task: 'TENSOR',
    inputModalities: ['EMBEDDING'],
    outputModalities: ['EMBEDDING'],
    source: 's',
    license: 'MIT',
    files: { model: { path: 'model.onnx', sha256: 'a'.repeat(64) } },
  };

  it('fills defaults', () => {
    const manifest = parseManifest(JSON.stringify(valid), 'm/model.json', 'm');
    expect(manifest.batching).toEqual({ maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 64, concurrency: 1 });
    expect(manifest.preload).toBe(false);
    expect(manifest.settings).toEqual({});
  });

  it('names the file and each bad field', () => {
    const bad = { ...valid, task: 'DANCE', extra: 1, files: { model: { path: 'model.onnx', sha256: 'xyz' } } };
    expect(() => parseManifest(JSON.stringify(bad), 'm/model.json')).toThrow(/^m\/model\.json: .*task: .*files\.model\.sha256: expected 64 lower-case hex digits/);
    expect(() => parseManifest(JSON.stringify(bad), 'm/model.json')).toThrow(/extra/);
  });

  it('requires an .onnx file, a name matching the folder, and signatures only for .onnx entries', () => {
    const noOnnx = { ...valid, files: { keys: { path: 'keys.txt', sha256: 'a'.repeat(64) } } };
    expect(() => parseManifest(JSON.stringify(noOnnx), 'f')).toThrow(/at least one \.onnx file/);
    expect(() => parseManifest(JSON.stringify(valid), 'f', 'other')).toThrow(/must match its folder "other"/);
    const strayed = { ...valid, signature: { keys: { inputs: [], outputs: [] } } };
    expect(() => parseManifest(JSON.stringify(strayed), 'f')).toThrow(/signature\.keys: "keys" is not an \.onnx entry/);
  });
});
