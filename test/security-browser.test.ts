/**
 * What a page on another site can make a visitor's browser do to the server: form posts,
 * preflight-free multipart, foreign Origins over HTTP and WebSocket, and stored artifacts
 * served back on the console's origin. Real server, real HTTP and WebSocket clients.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { startTestServer, type TestServer } from './support/app.js';
import { firstCode, postGraphql } from './support/probes.js';

const ALLOWED = 'https://app.example';
let models: TestModels;
let server: TestServer;
let webRoot: string;

beforeAll(async () => {
  models = await createTestModels({ lm: { maxPositions: 256 } });
  webRoot = mkdtempSync(path.join(tmpdir(), 'tessera-web-'));
  writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>console</title>');
  server = await startTestServer({ modelsDir: models.dir, webRoot, env: { CORS_ORIGINS: ALLOWED } });
  for (let i = 0; i < 200 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
  rmSync(webRoot, { recursive: true, force: true });
});

async function modelStatus(): Promise<string> {
  const result = await postGraphql(server.graphqlUrl, { query: '{ models { status } }' });
  return (result.body?.data?.models as { status: string }[])[0].status;
}

async function upload(bytes: Uint8Array, type: string, headers: Record<string, string> = { 'graphql-require-preflight': '1' }) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation($f: File!) { uploadArtifact(file: { file: $f }) { id contentType url } }', variables: { f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([new Uint8Array(bytes)], { type }), 'probe');
  const response = await fetch(server.graphqlUrl, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as { data?: { uploadArtifact: { id: string; contentType: string; url: string } }; errors?: unknown[] } };
}

describe('CSRF', () => {
  it('a GET query needs the CSRF header; the GraphiQL page still opens', async () => {
    const bare = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(bare.status).toBe(403);
    const withHeader = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'graphql-require-preflight': '1' },
    });
    expect(withHeader.status).toBe(200);
    const graphiql = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(graphiql.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('a form-encoded body (a plain HTML form) runs nothing', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'mutation { unloadModel(name: "tiny-lm") { status } }' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await modelStatus()).toBe('READY');
  });

  it('multipart without graphql-require-preflight is refused; with it, it runs', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer();
    const refused = await upload(png, 'image/png', {});
    expect(refused.status).toBe(403);
    expect(refused.body.data?.uploadArtifact).toBeUndefined();
    const accepted = await upload(png, 'image/png');
    expect(accepted.status).toBe(200);
    expect(accepted.body.data?.uploadArtifact.contentType).toBe('image/png');
  });
});

describe('CORS', () => {
  it('a foreign Origin is refused before anything runs, and never reflected', async () => {
    const result = await postGraphql(server.graphqlUrl, { query: 'mutation { unloadModel(name: "tiny-lm") { status } }' }, { origin: 'https://evil.example' });
    expect(result.status).toBe(403);
    expect(result.headers.get('access-control-allow-origin')).toBeNull();
    expect(await modelStatus()).toBe('READY');
  });

  it('an allow-listed origin gets CORS headers without credentials; the server\'s own origin needs none', async () => {
    const listed = await postGraphql(server.graphqlUrl, { query: '{ __typename }' }, { origin: ALLOWED });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const own = await postGraphql(server.graphqlUrl, { query: '{ __typename }' }, { origin: server.url });
    expect(own.status).toBe(200);
  });

  it('WebSocket upgrades from a foreign Origin are refused; own, listed and Origin-less ones open', async () => {
    const open = (origin?: string) =>
      new Promise<'open' | number>((resolve) => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
        socket.once('open', () => {
          socket.close();
          resolve('open');
        });
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('error', () => resolve(-1));
      });
    expect(await open('https://evil.example')).toBe(403);
    expect(await open(ALLOWED)).toBe('open');
    expect(await open(server.url)).toBe('open');
    expect(await open()).toBe('open');
  });
});

describe('artifacts', () => {
  it('an SVG or HTML upload is served as an attachment of opaque bytes, never as a document', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>');
    const html = new TextEncoder().encode('<!doctype html><html><script>alert(1)</script></html>');
    for (const [bytes, type] of [
      [svg, 'image/svg+xml'],
      [html, 'text/html'],
    ] as const) {
      const stored = await upload(bytes, type);
      expect(stored.status).toBe(200);
      expect(stored.body.data!.uploadArtifact.contentType).not.toBe('text/html');
      const served = await fetch(new URL(stored.body.data!.uploadArtifact.url, server.url));
      expect(served.headers.get('content-type')).toBe('application/octet-stream');
      expect(served.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    }
  });

  it('a sniffed image is served inline with nosniff and a CSP', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0f0' } }).png().toBuffer();
    const stored = await upload(png, 'text/html');
    expect(stored.body.data!.uploadArtifact.contentType).toBe('image/png');
    const served = await fetch(new URL(stored.body.data!.uploadArtifact.url, server.url));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBeTruthy();
  });
});

describe('console pages', () => {
  it('carry a CSP and nosniff', async () => {
    const page = await fetch(`${server.url}/history`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('GET /%E0%A4%A is 400, not 500', async () => {
    const response = await fetch(`${server.url}/%E0%A4%A`);
    expect(response.status).toBe(400);
  });
});
