import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsCli } from '../src/cli/models.js';
import { Engine } from '../src/inference/engine.js';
import { parseManifest } from '../src/inference/repository/manifest.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { batchProbeModel } from './fixtures/models/tensor-models.js';
import { sha256, tempRepository } from './fixtures/models/model-folder.js';
import { capture } from './support/cli-io.js';
import { COMMIT, LocalHub } from './support/local-hub.js';

describe('models CLI', () => {
  let hubRoot: string;
  let modelsDir: string;
  let hub: LocalHub;
  const graph = batchProbeModel({ features: 64 });
  let env: Record<string, string>;

  beforeAll(async () => {
    hubRoot = await tempRepository('tessera-hub-');
    modelsDir = await tempRepository();
    hub = new LocalHub(hubRoot);
    await hub.start();
    env = { HF_ENDPOINT: hub.endpoint, MODELS_DIR: modelsDir };
    await hub.add('acme/tiny-probe', 'onnx/model.onnx', graph);
    await hub.add('acme/tiny-probe', 'config.json', '{"model_type":"probe"}');
    await hub.add('acme/tiny-probe', 'README.md', '# tiny probe');
    await hub.add('acme/tiny-probe', 'onnx/model_fp16.onnx', 'not fetched by default');
  });

  afterAll(async () => {
    await hub?.stop();
    await rm(hubRoot, { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('pull from a local server standing in for the Hugging Face Hub', async () => {
    const cli = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe'], cli.io)).toBe(0);
    expect(cli.out()).toContain('as "tiny-probe"');
    expect(cli.err()).toContain('onnx/model.onnx');

    const manifestPath = join(modelsDir, 'tiny-probe', 'model.json');
    const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath, 'tiny-probe');
    expect(manifest.files).toEqual({
      config: { path: 'config.json', sha256: sha256('{"model_type":"probe"}') },
      model: { path: 'onnx/model.onnx', sha256: sha256(graph) },
    });
    expect(manifest.source).toBe(`acme/tiny-probe@${COMMIT}`);
    expect(manifest.license).toBe('apache-2.0');
    expect(manifest.signature.model.inputs).toEqual([{ name: 'x', type: 'float32', rank: 2, dims: [null, 64] }]);
    await expect(stat(join(modelsDir, 'tiny-probe', 'README.md'))).rejects.toThrow();
    await expect(stat(join(modelsDir, 'tiny-probe', 'onnx', 'model_fp16.onnx'))).rejects.toThrow();

    // The generated manifest is one the engine serves.
    const engine = await Engine.create({
      modelsDir,
      runtime: { executionProvider: 'cpu', intraOpThreads: 1, sessionThread: 'main' },
      logger: silentLogger,
      limits: { maxImagePixels: 1, maxAudioSeconds: 1 },
    });
    try {
      const result = await engine.runTensors('tiny-probe', { x: { type: 'float32', dims: [1, 64], data: new Array(64).fill(0.1) } });
      expect(result.outputs.rows.data).toEqual([1]);
    } finally {
      await engine.close();
    }

    const listed = capture(env);
    expect(await runModelsCli(['list'], listed.io)).toBe(0);
    expect(listed.out()).toMatch(/tiny-probe\s+TENSOR\s+acme\/tiny-probe@c0ffee/);
    const verified = capture(env);
    expect(await runModelsCli(['verify', 'tiny-probe'], verified.io)).toBe(0);
    expect(verified.out()).toContain('ok    tiny-probe');
  });

  it('resumes an interrupted download with an HTTP Range request', async () => {
    hub.cutAfter.set('onnx/model.onnx', 5000);
    const first = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe', '--files', 'onnx/model.onnx', '--name', 'resumed'], first.io)).toBe(1);
    expect(first.err()).toContain('run pull again to resume');
    const partial = join(modelsDir, 'resumed', 'onnx', 'model.onnx.partial');
    expect((await stat(partial)).size).toBe(5000);
    await expect(stat(join(modelsDir, 'resumed', 'model.json'))).rejects.toThrow();

    const before = hub.requests.length;
    const second = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe', '--files', 'onnx/model.onnx', '--name', 'resumed'], second.io)).toBe(0);
    expect(second.err()).toContain('resuming at');
    const resumedRequest = hub.requests.slice(before).find((r) => r.url.endsWith('/onnx/model.onnx'));
    expect(resumedRequest?.range).toBe('bytes=5000-');
    expect(sha256(await readFile(join(modelsDir, 'resumed', 'onnx', 'model.onnx')))).toBe(sha256(graph));
    await expect(stat(partial)).rejects.toThrow();
    // An explicit file list skips the API, so the revision is whatever the download reported.
    const manifest = JSON.parse(await readFile(join(modelsDir, 'resumed', 'model.json'), 'utf8'));
    expect(manifest.source).toBe(`acme/tiny-probe@${COMMIT}`);
    expect(manifest.license).toBe('unknown');
  });

  it('discards a download whose content differs from the sha256 the hub vouches for', async () => {
    hub.lyingEtag.set('onnx/model.onnx', 'f'.repeat(64));
    const cli = capture(env);
    try {
      expect(await runModelsCli(['pull', 'acme/tiny-probe', '--files', 'onnx/model.onnx', '--name', 'lied-to'], cli.io)).toBe(1);
    } finally {
      hub.lyingEtag.clear();
    }
    expect(cli.err()).toContain(`differs from the hub's ${'f'.repeat(64)}`);
    await expect(stat(join(modelsDir, 'lied-to', 'model.json'))).rejects.toThrow();
  });

  it('reports a missing hub file and refuses to overwrite a model without --force', async () => {
    const missing = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe', '--files', 'nope.onnx', '--name', 'missing'], missing.io)).toBe(1);
    expect(missing.err()).toContain('HTTP 404');
    const again = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe'], again.io)).toBe(2);
    expect(again.err()).toContain('already holds a model');
  });

  it('verify fails with the reason when a file changed, and remove deletes the folder', async () => {
    await writeFile(join(modelsDir, 'resumed', 'onnx', 'model.onnx'), graph.slice(0, 100));
    const cli = capture(env);
    expect(await runModelsCli(['verify'], cli.io)).toBe(1);
    expect(cli.out()).toMatch(/FAIL {2}resumed: files\.model: .*sha256 is/);
    expect(cli.out()).toContain('ok    tiny-probe');
    expect(cli.err()).toContain('1 of 2 models failed verification');

    const removed = capture(env);
    expect(await runModelsCli(['remove', 'resumed'], removed.io)).toBe(0);
    await expect(stat(join(modelsDir, 'resumed'))).rejects.toThrow();
    expect(await runModelsCli(['remove', 'resumed'], capture(env).io)).toBe(1);
    expect(await runModelsCli(['verify', 'resumed'], capture(env).io)).toBe(1);
  });

  it('answers usage errors with exit code 2', async () => {
    const cli = capture(env);
    expect(await runModelsCli(['dance'], cli.io)).toBe(2);
    expect(cli.err()).toContain('unknown command "dance"');
    expect(await runModelsCli(['pull', 'not-a-hub-id'], capture(env).io)).toBe(2);
    expect(await runModelsCli(['pull', 'acme/x', '--task', 'DANCE'], capture(env).io)).toBe(2);
    expect(await runModelsCli(['pull', 'acme/x', '--files', '../../etc/passwd'], capture(env).io)).toBe(2);
  });

  it('runs as a script', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/models.ts', 'list'], { env: { ...process.env, MODELS_DIR: modelsDir } });
    expect(stdout).toContain('tiny-probe');
  });
});
