/**
 * What `npm start` serves: the committed model repository, loaded the way a fresh install
 * loads it, and the trained default LM answering in English through GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import { GenerateTextDocument, ModelsDocument } from './generated/graphql.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ modelsDir: 'models' });
  for (let i = 0; i < 200 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await server?.close();
});

const COMMON_WORDS = ['the', 'a', 'and', 'was', 'to', 'he', 'she', 'it', 'in', 'of', 'is'];

describe('the default model repository', () => {
  it('loads every preloaded default model and reports where it came from', async () => {
    const models = (await gql(server.graphqlUrl, ModelsDocument, {})).body.data!.models;
    const byName = Object.fromEntries(models.map((m) => [m.name, m]));
    for (const name of ['tessera-lm', 'paddleocr-v4', 'silero-vad']) {
      expect(byName[name], name).toMatchObject({ status: 'READY', executionProvider: 'CPU', license: 'MIT' });
    }
    expect(byName['paddleocr-v4'].source).toMatch(/@gutenye\/ocr-models@1\.4\.2/);
    expect(byName['tessera-lm'].source).toMatch(/trained here/);
  });

  it('tessera-lm continues a story in English', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { prompt: 'Once upon a time, there was a little', maxTokens: 40 } });
    const words = body.data!.generateText.text.toLowerCase().match(/[a-z]+/g) ?? [];
    expect(words.length).toBeGreaterThan(15);
    expect(words.filter((w) => COMMON_WORDS.includes(w)).length).toBeGreaterThanOrEqual(3);
  });

  it('tessera-lm answers a chat turn and stops at the end of its turn', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, {
      input: { messages: [{ role: 'user', content: 'What color is the sky?' }], maxTokens: 40 },
    });
    const result = body.data!.generateText;
    expect(result.finishReason).toBe('STOP');
    expect(result.text.toLowerCase()).toMatch(/sky|blue/);
    expect(result.text).not.toMatch(/User:/);
  });
});
