/**
 * Image + question in one prompt, as a client sees it: a real server with the committed
 * tessera-vlm (decoder VLM layout: vision_encoder, embed_tokens, inputs_embeds decoder),
 * graphql-ws and HTTP clients, a real SQLite file. The answer streams token by token and
 * the stream adds up to the final text; the request row keeps the image as an input
 * artifact and the question as its input text; concurrent image questions give the same
 * answers as alone; bad inputs are refused with BAD_USER_INPUT before any row exists.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import { GenerateDocument, GenerateTextDocument, RequestHistoryDocument, VisionLanguageRequestDocument, type GenerateSubscription } from './generated/graphql.js';
import { renderScene, type Scene } from './fixtures/vision/shapes.js';

type Event = GenerateSubscription['generate'];

let root: string;
let server: TestServer;
const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
const image = async (scene: Scene) => ({ base64: (await renderScene(scene, 64)).toString('base64') });
const redStar: Scene = { colour: 'red', shape: 'star', background: 'white', cx: 0.5, cy: 0.5, r: 0.21 };
const blueSquare: Scene = { colour: 'blue', shape: 'square', background: 'gray', cx: 0.3, cy: 0.3, r: 0.1 };
const ask = async (scene: Scene, question: string, model?: string) => ({
  ...(model ? { model } : {}),
  messages: [{ role: 'user' as const, parts: [{ image: await image(scene) }, { text: question }] }],
});

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tessera-vlm-api-'));
  for (const name of ['tessera-vlm', 'tessera-lm', 'tessera-captioner']) await cp(path.join('models', name), path.join(root, name), { recursive: true });
  server = await startTestServer({ modelsDir: root });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('generate with an image in the message', () => {
  it('streams the answer over graphql-ws; the tokens add up to the final text', async () => {
    const client = wsClient(server.wsUrl);
    const events: Event[] = [];
    try {
      for await (const result of subscribeWs(client, GenerateDocument, { input: await ask(redStar, 'What colour is the star?') })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.generate);
      }
    } finally {
      await client.dispose();
    }
    expect(events[0].__typename).toBe('GenerationStarted');
    const started = events[0] as Extract<Event, { __typename: 'GenerationStarted' }>;
    expect(started.model).toBe('tessera-vlm');
    const completed = events.at(-1) as Extract<Event, { __typename: 'GenerationCompleted' }>;
    expect(completed.finishReason).toBe('STOP');
    // The answer follows "answer :" in the prompt, so its first word keeps its leading space.
    expect(completed.text.trim()).toBe('it is red.');
    const tokens = events.filter((e): e is Extract<Event, { __typename: 'GenerationToken' }> => e.__typename === 'GenerationToken');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((t) => t.text).join('')).toBe(completed.text);
  });

  it('generateText stores the request: task, image as input artifact, question as input text, answer as output', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: await ask(blueSquare, 'Where is the blue square?') });
    expect(body.errors).toBeUndefined();
    const payload = body.data!.generateText;
    expect(payload.text.trim()).toBe('it is in the top left.');
    const row = (await gql(server.graphqlUrl, VisionLanguageRequestDocument, { id: payload.request.id })).body.data!.request!;
    expect(row.task).toBe('IMAGE_TEXT_TO_TEXT');
    expect(row.status).toBe('COMPLETED');
    expect(row.inputModalities).toEqual(['IMAGE', 'TEXT']);
    expect(row.inputText).toBe('user: Where is the blue square?');
    expect(row.outputText).toBe(payload.text);
    expect(row.artifacts.map((a) => [a.role, a.artifact.contentType])).toEqual([['input', 'image/png']]);
    // The row keeps the artifact id where the image was, never the bytes.
    const parts = (row.parameters as { messages: { parts: unknown[] }[] }).messages[0].parts;
    expect(parts).toEqual([{ image: { artifactId: row.artifacts[0].artifact.id } }, { text: 'Where is the blue square?' }]);
    const found = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 5, filter: { task: 'IMAGE_TEXT_TO_TEXT' } });
    expect(found.body.data!.requests.edges.map((e) => e.node.id)).toContain(row.id);
  });

  it('concurrent image questions give the answers each gives alone', async () => {
    const questions: [Scene, string][] = [
      [redStar, 'What colour is the star?'],
      [blueSquare, 'Where is the blue square?'],
      [redStar, 'How many shapes are there?'],
      [blueSquare, 'What color is the square?'],
    ];
    const alone: string[] = [];
    for (const [scene, q] of questions) alone.push((await gql(server.graphqlUrl, GenerateTextDocument, { input: await ask(scene, q) })).body.data!.generateText.text);
    const together = await Promise.all(questions.map(async ([scene, q]) => (await gql(server.graphqlUrl, GenerateTextDocument, { input: await ask(scene, q) })).body.data!.generateText.text));
    expect(together).toEqual(alone);
    expect(alone.map((t) => t.trim())).toEqual(['it is red.', 'it is in the top left.', 'there is one star.', 'it is blue.']);
  });

  it('a text-only question to the VLM still answers (no image, no features)', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: { model: 'tessera-vlm', messages: [{ role: 'user', content: 'How many shapes are there?' }], maxTokens: 8 } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.generateText.request.status).toBe('COMPLETED');
  });
});

describe('refusals', () => {
  it('an image to a text-only model', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: await ask(redStar, 'What colour is the star?', 'tessera-lm') });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(body.errors![0].message).toMatch(/text-only/);
  });

  it('more images than the model takes', async () => {
    const input = { messages: [{ role: 'user' as const, parts: [{ image: await image(redStar) }, { image: await image(blueSquare) }, { text: 'What colour is the star?' }] }] };
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
    expect(body.errors![0].message).toMatch(/at most 1 image/);
  });

  it('a model of another task', async () => {
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input: await ask(redStar, 'What colour is the star?', 'tessera-captioner') });
    expect(codeOf(body)).toBe('BAD_USER_INPUT');
  });

  it('content and parts together, and a part with both text and image', async () => {
    const both = { messages: [{ role: 'user' as const, content: 'hi', parts: [{ text: 'hi' }] }] };
    expect(codeOf((await gql(server.graphqlUrl, GenerateTextDocument, { input: both })).body)).toBe('BAD_USER_INPUT');
    const twoInOne = { messages: [{ role: 'user' as const, parts: [{ text: 'hi', image: await image(redStar) }] }] };
    expect(codeOf((await gql(server.graphqlUrl, GenerateTextDocument, { input: twoInOne as never })).body)).toBe('BAD_USER_INPUT');
  });

  it('a broken image', async () => {
    const input = { messages: [{ role: 'user' as const, parts: [{ image: { base64: Buffer.from('not an image at all').toString('base64') } }, { text: 'What colour is the star?' }] }] };
    const { body } = await gql(server.graphqlUrl, GenerateTextDocument, { input });
    expect(['BAD_USER_INPUT', 'UNSUPPORTED_MEDIA_TYPE']).toContain(codeOf(body));
  });
});
