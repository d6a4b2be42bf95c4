/**
 * Image + question through the OpenAI dialect: the official client sends an `image_url` part
 * (a data URL) to the default VLM, and the answer equals what GraphQL's message parts give for
 * the same scene; the row keeps no image bytes.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { openaiClient } from './support/openai.js';
import { renderScene } from './fixtures/vision/shapes.js';

let modelsDir: string;
let server: TestServer;

beforeAll(async () => {
  modelsDir = mkdtempSync(path.join(tmpdir(), 'tessera-vlm-models-'));
  for (const name of ['tessera-vlm', 'tessera-lm']) cpSync(path.join('models', name), path.join(modelsDir, name), { recursive: true });
  server = await startTestServer({ modelsDir });
});

afterAll(async () => {
  await server?.close();
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('POST /v1/chat/completions with an image', () => {
  it('answers a question about the image as GraphQL does, and keeps no image bytes in the row', async () => {
    const png = await renderScene({ colour: 'red', shape: 'star', background: 'white', cx: 0.5, cy: 0.5, r: 0.3 }, 64);
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const client = openaiClient(server);
    const completion = await client.chat.completions.create({
      model: 'tessera-vlm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl } }, { type: 'text', text: 'What colour is the star?' }] }],
      max_tokens: 16,
    });
    const said = completion.choices[0].message.content ?? '';
    expect(said.trim()).toBe('it is red.');

    const graphql = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: GenerateInput!) { generateText(input: $input) { text } }`,
        variables: { input: { model: 'tessera-vlm', maxTokens: 16, messages: [{ role: 'user', parts: [{ image: { base64: png.toString('base64') } }, { text: 'What colour is the star?' }] }] } },
      }),
    }).then((r) => r.json() as Promise<{ data: { generateText: { text: string } } }>);
    expect(graphql.data.generateText.text).toBe(said);

    const rows = await server.app.services.requests.list({ parentId: null }, { first: 5 });
    const facadeRow = rows.rows.find((row) => (row.parameters as { api?: string } | null)?.api === 'openai')!;
    expect(facadeRow.task).toBe('IMAGE_TEXT_TO_TEXT');
    expect(JSON.stringify(facadeRow.parameters)).not.toContain(png.toString('base64').slice(0, 40));
  });

  it('refuses an image for a text-only model, and an image by http URL, before any row', async () => {
    const client = openaiClient(server);
    const before = await server.app.services.requests.count({});
    const png = await renderScene({ colour: 'blue', shape: 'circle', background: 'white', cx: 0.5, cy: 0.5, r: 0.3 }, 64);
    await expect(
      client.chat.completions.create({
        model: 'tessera-lm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }, { type: 'text', text: 'What is it?' }] }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      client.chat.completions.create({
        model: 'tessera-vlm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }, { type: 'text', text: 'What is it?' }] }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'messages[0].content[0].image_url.url' });
    expect(await server.app.services.requests.count({})).toBe(before);
  });
});
