import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsCli } from '../src/cli/models.js';
import { Engine } from '../src/inference/engine.js';
import { parseManifest } from '../src/inference/repository/manifest.js';
import { resolveModelAlias, scanRepository } from '../src/inference/repository/repository.js';
import { silentLogger } from '../src/inference/runtime/logger.js';
import { batchProbeModel } from './fixtures/models/tensor-models.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';
import { sha256, tempRepository } from './fixtures/models/model-folder.js';
import { capture } from './support/cli-io.js';
import { COMMIT, LocalHub } from './support/local-hub.js';

/** The engine as the server runs it, on one thread, over the models the CLI pulled. */
function openEngine(modelsDir: string): Promise<Engine> {
  return Engine.create({
    modelsDir,
    runtime: { executionProvider: 'cpu', intraOpThreads: 1, sessionThread: 'main' },
    logger: silentLogger,
    limits: { maxImagePixels: 1, maxAudioSeconds: 1 },
  });
}

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
    const engine = await openEngine(modelsDir);
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
    // The unfinished pull is staged outside the model folder, which does not exist until complete.
    const partial = join(modelsDir, '.pulling', 'resumed', 'onnx', 'model.onnx.partial');
    expect((await stat(partial)).size).toBe(5000);
    await expect(stat(join(modelsDir, 'resumed', 'model.json'))).rejects.toThrow();
    await expect(stat(join(modelsDir, 'resumed'))).rejects.toThrow();

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

  it('names the URL and the reason when the hub cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const cli = capture({ ...env, HF_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(await runModelsCli(['pull', 'acme/tiny-probe', '--name', 'unreachable'], cli.io)).toBe(1);
    expect(cli.err()).toContain(`cannot reach http://127.0.0.1:${port}/acme/tiny-probe/`);
    expect(cli.err()).toContain('ECONNREFUSED');
  });

  it('leaves no model folder when one file fails, and remove cleans up the unfinished pull', async () => {
    const cli = capture(env);
    expect(await runModelsCli(['pull', 'acme/tiny-probe', '--files', 'config.json,onnx/model_q4.onnx', '--name', 'half'], cli.io)).toBe(1);
    expect(cli.err()).toContain('onnx/model_q4.onnx: HTTP 404');
    await expect(stat(join(modelsDir, 'half'))).rejects.toThrow();
    const listed = capture(env);
    expect(await runModelsCli(['list'], listed.io)).toBe(0);
    expect(listed.err()).toContain('unfinished pull "half"');
    expect(listed.out()).not.toContain('half');

    const removed = capture(env);
    expect(await runModelsCli(['remove', 'half'], removed.io)).toBe(0);
    expect(removed.out()).toContain('removed the unfinished pull');
    await expect(stat(join(modelsDir, '.pulling', 'half'))).rejects.toThrow();
    expect(await runModelsCli(['remove', 'half'], capture(env).io)).toBe(1);
  });

  it("reads the license from the model card's front matter, also with --files", async () => {
    await hub.add('acme/carded', 'onnx/model.onnx', graph);
    await hub.add('acme/carded', 'README.md', '---\nlanguage: en\nlicense: "mit"\ntags: [probe]\n---\n# carded\n\nlicense: not this one\n');
    const cli = capture(env);
    expect(await runModelsCli(['pull', 'acme/carded', '--files', 'onnx/model.onnx'], cli.io)).toBe(0);
    expect(JSON.parse(await readFile(join(modelsDir, 'carded', 'model.json'), 'utf8')).license).toBe('mit');
    expect(cli.err()).not.toContain('license');
  });

  it('serves a model folder that is a symbolic link, and knows a pulled model by its hub id', async () => {
    const elsewhere = await tempRepository('tessera-elsewhere-');
    try {
      await rename(join(modelsDir, 'carded'), join(elsewhere, 'carded'));
      await symlink(join(elsewhere, 'carded'), join(modelsDir, 'carded'), 'dir');
      const listed = capture(env);
      expect(await runModelsCli(['list'], listed.io)).toBe(0);
      expect(listed.out()).toMatch(/carded\s+TENSOR\s+acme\/carded@c0ffee/);
      expect(await runModelsCli(['verify', 'carded'], capture(env).io)).toBe(0);

      const entries = await scanRepository(modelsDir);
      expect(entries.find((e) => e.name === 'carded')?.manifest?.hubId).toBe('acme/carded');
      expect(resolveModelAlias(entries, 'acme/carded')).toBe('carded');
      expect(resolveModelAlias(entries, 'ACME/Carded')).toBe('carded');
      expect(resolveModelAlias(entries, 'carded')).toBe('carded');
      expect(resolveModelAlias(entries, 'acme/nothing')).toBeUndefined();
      expect(resolveModelAlias(entries, 'acme/tiny-probe')).toBe('tiny-probe');
      // One hub id pulled under two names says no longer which is meant.
      const carded = entries.find((e) => e.name === 'carded')!;
      expect(resolveModelAlias([...entries, { ...carded, name: 'carded-again' }], 'acme/carded')).toBeUndefined();

      // The engine answers to the hub id wherever it takes a model name.
      const engine = await openEngine(modelsDir);
      try {
        expect(engine.model('acme/carded')?.name).toBe('carded');
        expect(engine.model('acme/carded')?.hubId).toBe('acme/carded');
        expect(engine.resolveModel('TENSOR', 'ACME/Carded').name).toBe('carded');
        expect(engine.model('acme/nothing')).toBeUndefined();
      } finally {
        await engine.close();
      }
    } finally {
      await rm(join(modelsDir, 'carded'), { force: true });
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  describe('a pulled decoder LM', () => {
    let gpt2: TinyLm;
    let legacy: TinyLm;

    beforeAll(async () => {
      gpt2 = await writeTinyLm({ flavour: 'gpt2' });
      legacy = await writeTinyLm({ flavour: 'legacy' });
      for (const [repo, lm] of [
        ['acme/tiny-gpt2', gpt2],
        ['acme/tiny-legacy', legacy],
      ] as const) {
        for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
          await hub.add(repo, file, await readFile(join(lm.dir, file)));
        }
      }
    });

    afterAll(async () => {
      await gpt2?.cleanup();
      await legacy?.cleanup();
    });

    const manifestOf = async (name: string) => JSON.parse(await readFile(join(modelsDir, name, 'model.json'), 'utf8'));

    /** Two generations at once; the order their events arrive in, as "<stream>:<event>". */
    async function twoAtOnce(engine: Engine, model: string): Promise<string[]> {
      const order: string[] = [];
      await Promise.all(
        [0, 1].map(async (stream) => {
          for await (const event of await engine.generate(model, { prompt: stream === 0 ? 'Once upon' : 'a time', maxTokens: 12 })) {
            order.push(`${stream}:${event.type}`);
          }
        }),
      );
      return order;
    }

    it('gets continuous batching chosen from the model and the machine, and serves two streams in one batch', async () => {
      const cli = capture(env);
      // No --task: config.json's GPT2LMHeadModel makes it a text-generation model.
      expect(await runModelsCli(['pull', 'acme/tiny-gpt2'], cli.io)).toBe(0);
      expect(cli.out()).toContain("task TEXT_GENERATION, from config.json's architecture GPT2LMHeadModel");
      const manifest = await manifestOf('tiny-gpt2');
      expect(manifest.task).toBe('TEXT_GENERATION');
      expect(manifest.batching.maxBatchSize).toBeGreaterThan(1);
      expect(manifest.batching.maxQueue).toBeGreaterThanOrEqual(manifest.batching.maxBatchSize);
      expect(manifest.batchingUnavailable).toBeUndefined();
      expect(cli.out()).toContain(`batching: up to ${manifest.batching.maxBatchSize} streams per step`);

      expect(await runModelsCli(['pull', 'acme/tiny-legacy', '--task', 'TEXT_GENERATION'], capture(env).io)).toBe(0);
      const unbatched = await manifestOf('tiny-legacy');
      expect(unbatched.batching.maxBatchSize).toBe(1);
      expect(unbatched.batchingUnavailable).toMatch(/no position_ids input/);

      const engine = await openEngine(modelsDir);
      try {
        expect((await engine.loadModel('tiny-gpt2')).status).toBe('READY');
        expect((await engine.loadModel('tiny-legacy')).status).toBe('READY');
        // Batched: the second stream has tokens before the first one completes.
        const batched = await twoAtOnce(engine, 'tiny-gpt2');
        expect(batched.indexOf('1:token')).toBeLessThan(batched.indexOf('0:completed'));
        expect(batched.indexOf('0:token')).toBeLessThan(batched.indexOf('1:completed'));
        // The same two on the model that cannot batch: one after the other.
        const alone = await twoAtOnce(engine, 'tiny-legacy');
        const [first, second] = alone[0].startsWith('0') ? ['0', '1'] : ['1', '0'];
        expect(alone.indexOf(`${first}:completed`)).toBeLessThan(alone.indexOf(`${second}:token`));
      } finally {
        await engine.close();
      }
    });

    it('keeps a hand-written batching block when pulled again with --force', async () => {
      const path = join(modelsDir, 'tiny-gpt2', 'model.json');
      await writeFile(path, JSON.stringify({ ...(await manifestOf('tiny-gpt2')), batching: { maxBatchSize: 3, maxQueue: 5 } }));
      expect(await runModelsCli(['pull', 'acme/tiny-gpt2', '--task', 'TEXT_GENERATION', '--force'], capture(env).io)).toBe(0);
      expect((await manifestOf('tiny-gpt2')).batching).toEqual({ maxBatchSize: 3, maxQueue: 5 });
    });
  });

  it('runs as a script', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/models.ts', 'list'], { env: { ...process.env, MODELS_DIR: modelsDir } });
    expect(stdout).toContain('tiny-probe');
  });
});
