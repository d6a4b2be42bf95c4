/**
 * The small parts of the remote backends on their own: the SSE reader over awkward chunk
 * boundaries, the manifest's `backend` block, and the URL as it may be shown.
 */
import { describe, expect, it } from 'vitest';
import { sseData } from '../src/inference/backends/sse.js';
import { publicUrl } from '../src/inference/backends/upstream.js';
import { parseManifest } from '../src/inference/repository/manifest.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function dataOf(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(streamOf(chunks), () => undefined)) out.push(data);
  return out;
}

const manifest = (backend: unknown) =>
  JSON.stringify({ name: 'm', task: 'TEXT_GENERATION', inputModalities: ['TEXT'], outputModalities: ['TEXT'], source: 's', license: 'MIT', files: {}, backend });

describe('the SSE reader', () => {
  it('joins events split anywhere, CRLF split between chunks included, and skips comments', async () => {
    expect(await dataOf(['data: {"a"', ':1}\r', '\n\r\n: keep-alive\n\ndata: [DO', 'NE]\n\n'])).toEqual(['{"a":1}', '[DONE]']);
    expect(await dataOf(['data: one\ndata: two\n\n', 'event: x\ndata:three\n\n'])).toEqual(['one\ntwo', 'three']);
  });
});

describe('the backend block of a manifest', () => {
  it('takes an openai or kserve-v2 backend without .onnx files, with a default timeout', () => {
    const parsed = parseManifest(manifest({ kind: 'openai', url: 'http://gpu:8000/v1', model: 'llama', apiKey: 'env:VLLM_KEY' }), 'model.json');
    expect(parsed.backend).toEqual({ kind: 'openai', url: 'http://gpu:8000/v1', model: 'llama', apiKey: 'env:VLLM_KEY', timeoutMs: 60_000 });
  });

  it('refuses a key written into the manifest, another scheme, an unknown kind, a local model without graphs', () => {
    expect(() => parseManifest(manifest({ kind: 'openai', url: 'http://gpu/v1', model: 'x', apiKey: 'sk-123' }), 'model.json')).toThrow(/backend.apiKey: an environment variable as env:NAME/);
    expect(() => parseManifest(manifest({ kind: 'kserve-v2', url: 'ftp://triton', model: 'x' }), 'model.json')).toThrow(/backend.url/);
    expect(() => parseManifest(manifest({ kind: 'tgi', url: 'http://tgi', model: 'x' }), 'model.json')).toThrow(/backend.kind/);
    expect(() => parseManifest(manifest(undefined), 'model.json')).toThrow(/at least one .onnx file is required/);
  });
});

describe('a backend URL as shown', () => {
  it('drops user, password and query', () => {
    expect(publicUrl('https://user:secret@gpu.example:8443/v1?key=abc')).toBe('https://gpu.example:8443/v1');
  });
});
