/**
 * A model whose graphs a KServe v2 server runs (a STAND-IN server: test/support/kserve-standin.ts,
 * real onnxruntime sessions behind the Open Inference Protocol) serves classifyImage and embed
 * through the GraphQL API with the scores and vectors the local model gives on the same image,
 * pre- and post-processing staying in Tessera; `models` shows the backend and its health.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsCli, type CliIo } from '../src/cli/models.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import { KServeStandin } from './support/kserve-standin.js';
import { repositoryGraph, writeRemoteCopy } from './support/remote-models.js';
import { tempRepository } from './fixtures/models/model-folder.js';
import { renderScene } from './fixtures/vision/shapes.js';
import { ClassifyImageDocument, EmbedDocument, ModelBackendsDocument, VisionRequestDocument } from './generated/graphql.js';

let server: TestServer;
let standin: KServeStandin;
let image: string;
let repo: string;

function capture() {
  let out = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: { MODELS_DIR: repo } };
  return { io, out: () => out };
}

beforeAll(async () => {
  standin = new KServeStandin({
    shapes: repositoryGraph('tessera-shapes', 'model'),
    'clip-text': repositoryGraph('tessera-clip', 'text'),
    'clip-vision': repositoryGraph('tessera-clip', 'vision'),
  });
  const url = await standin.start();
  repo = await tempRepository('tessera-kserve-');
  for (const model of ['tessera-shapes', 'tessera-clip']) {
    cpSync(path.join('models', model), path.join(repo, model), { recursive: true, filter: (src) => !src.includes('recipe') });
  }
  writeRemoteCopy(repo, 'tessera-shapes', 'remote-shapes', { kind: 'kserve-v2', url: `http://user:secret@${url.slice('http://'.length)}`, model: 'shapes' });
  writeRemoteCopy(repo, 'tessera-clip', 'remote-clip', { kind: 'kserve-v2', url, model: 'clip', graphs: { text: 'clip-text', vision: 'clip-vision' } });
  writeRemoteCopy(repo, 'tessera-shapes', 'gone-shapes', { kind: 'kserve-v2', url: 'http://127.0.0.1:9', model: 'shapes' });
  server = await startTestServer({ modelsDir: repo });
  image = (await renderScene({ colour: 'blue', shape: 'triangle', background: 'white', cx: 0.45, cy: 0.55, r: 0.25 })).toString('base64');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await standin?.close();
});

describe('a kserve-v2 backend', () => {
  it('classifies an image with the scores of the local model', async () => {
    const classify = (model: string) => gql(server.graphqlUrl, ClassifyImageDocument, { input: { image: { base64: image }, model, topK: 36 } });
    const [local, remote] = [await classify('tessera-shapes'), await classify('remote-shapes')];
    expect(local.body.errors).toBeUndefined();
    expect(remote.body.errors).toBeUndefined();
    expect(remote.body.data!.classifyImage.labels).toEqual(local.body.data!.classifyImage.labels);
    expect(remote.body.data!.classifyImage.labels[0].label).toBe('blue triangle');
    expect(remote.body.data!.classifyImage.model).toBe('remote-shapes');
    expect(standin.inferCalls.get('shapes')).toBe(1);
    const row = await gql(server.graphqlUrl, VisionRequestDocument, { id: remote.body.data!.classifyImage.request.id });
    expect(row.body.data!.request).toMatchObject({ status: 'COMPLETED', model: 'remote-shapes', task: 'IMAGE_CLASSIFICATION' });
  });

  it('embeds an image and a text with the vectors of the local dual encoder', async () => {
    for (const input of [{ image: { base64: image } }, { text: 'a blue triangle' }]) {
      const embed = (model: string) => gql(server.graphqlUrl, EmbedDocument, { input: { ...input, model } });
      const [local, remote] = [await embed('tessera-clip'), await embed('remote-clip')];
      expect(remote.body.errors).toBeUndefined();
      expect(remote.body.data!.embed.dimension).toBe(128);
      expect(remote.body.data!.embed.vector).toEqual(local.body.data!.embed.vector);
    }
    expect(standin.inferCalls.get('clip-vision')).toBeGreaterThanOrEqual(1);
    expect(standin.inferCalls.get('clip-text')).toBeGreaterThanOrEqual(1);
  });

  it('lists the backend without its credentials, with its health', async () => {
    const { body } = await gql(server.graphqlUrl, ModelBackendsDocument, {});
    const byName = new Map(body.data!.models.map((m) => [m.name, m]));
    expect(byName.get('tessera-shapes')!.backend).toBeNull();
    const shapes = byName.get('remote-shapes')!;
    expect(shapes.executionProvider).toBe('REMOTE');
    expect(shapes.backend).toMatchObject({ kind: 'KSERVE_V2', url: standin.url, model: 'shapes', health: { ready: true, problem: null } });
    expect(shapes.backend!.url).not.toContain('secret');
    const gone = byName.get('gone-shapes')!;
    expect(gone.backend!.health.ready).toBe(false);
    expect(gone.backend!.health.problem).toMatch(/cannot be reached/);
  });

  it('answers UPSTREAM_UNAVAILABLE while the server cannot be reached, and tries again on the next request', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { body } = await gql(server.graphqlUrl, ClassifyImageDocument, { input: { image: { base64: image }, model: 'gone-shapes' } });
      expect(body.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(body.errors?.[0].message).toMatch(/cannot be reached/);
    }
    const { body } = await gql(server.graphqlUrl, ModelBackendsDocument, {});
    expect(body.data!.models.find((m) => m.name === 'gone-shapes')).toMatchObject({ status: 'UNLOADED', loadError: expect.stringMatching(/cannot be reached/) });
  });

  it('models list shows the backend and whether it is ready; verify checks the served graphs against the signature', async () => {
    const listed = capture();
    expect(await runModelsCli(['list'], listed.io)).toBe(0);
    expect(listed.out()).toContain(`kserve-v2 ${standin.url} (shapes): ready`);
    expect(listed.out()).not.toContain('secret');
    expect(listed.out()).toMatch(/gone-shapes .*kserve-v2 http:\/\/127\.0\.0\.1:9 \(shapes\): NOT READY: .*cannot be reached/);
    const verified = capture();
    expect(await runModelsCli(['verify', 'remote-clip'], verified.io)).toBe(0);
    expect(verified.out()).toContain('ok    remote-clip');
    const failed = capture();
    expect(await runModelsCli(['verify', 'gone-shapes'], failed.io)).toBe(1);
    expect(failed.out()).toMatch(/FAIL  gone-shapes: .*cannot be reached/);
  });
});
