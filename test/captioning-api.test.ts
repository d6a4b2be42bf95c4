/**
 * Image captioning as a client sees it: a real server, graphql-ws and HTTP clients, a real
 * SQLite file, the tiny vision-encoder-decoder fixture served by the real engine. Streams,
 * the one-shot mutation, persistence (rows, artifacts, result kind), replay, cancellation,
 * and bad inputs with stable codes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import {
  CaptionImageDocument,
  CaptionImageTextDocument,
  CaptionRequestDocument,
  RequestEventsDocument,
  RequestHistoryDocument,
  type CaptionImageSubscription,
} from './generated/graphql.js';
import { referenceCaption, testPicture, tinyCaptionerWeights, wordsOf, writeOtherTaskModel, writeTinyCaptioner } from './fixtures/captioning/tiny-captioner.js';

type Event = CaptionImageSubscription['captionImage'];

const LONG_CONTEXT = 4096;
let root: string;
let server: TestServer;
const weights = tinyCaptionerWeights(7);
const pngBase64 = async (seed: number) =>
  (await sharp(testPicture(seed), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()).toString('base64');
const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const settled = (id: string) =>
  waitFor(async () => {
    const request = (await gql(server.graphqlUrl, CaptionRequestDocument, { id })).body.data?.request;
    return request && request.status !== 'QUEUED' && request.status !== 'RUNNING' ? request : undefined;
  }, `request ${id} to settle`);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tessera-caption-api-'));
  await writeTinyCaptioner(root);
  await writeTinyCaptioner(root, { name: 'long-captioner', maxPositions: LONG_CONTEXT, maxBatchSize: 1 });
  await writeOtherTaskModel(root);
  server = await startTestServer({ modelsDir: root });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('captionImage subscription', () => {
  it('streams started, tokens and completed over WebSocket, and persists the caption', async () => {
    const client = wsClient(server.wsUrl);
    const events: Event[] = [];
    try {
      for await (const result of subscribeWs(client, CaptionImageDocument, { input: { image: { base64: await pngBase64(2) }, model: 'tiny-captioner', maxTokens: 6 } })) {
        expect(result.errors).toBeUndefined();
        events.push(result.data!.captionImage);
      }
    } finally {
      await client.dispose();
    }
    const expected = referenceCaption(weights, testPicture(2), 6).tokens;
    expect(events.map((e) => e.__typename)).toEqual(['GenerationStarted', ...new Array(6).fill('GenerationToken'), 'GenerationCompleted']);
    expect(events.flatMap((e) => (e.__typename === 'GenerationToken' ? [e.tokenId] : []))).toEqual(expected);
    const started = events[0];
    const completed = events.at(-1)!;
    if (started.__typename !== 'GenerationStarted' || completed.__typename !== 'GenerationCompleted') throw new Error('bad stream');
    expect(started.model).toBe('tiny-captioner');
    expect(started.promptTokens).toBe(1);
    expect(completed.text).toBe(wordsOf(expected));
    expect(completed.finishReason).toBe('LENGTH');

    const row = await settled(completed.requestId);
    expect(row.task).toBe('IMAGE_CAPTIONING');
    expect(row.status).toBe('COMPLETED');
    expect(row.outputText).toBe(completed.text);
    expect(row.artifacts.map((a) => a.role)).toEqual(['input']);
    expect(row.result).toMatchObject({ __typename: 'CaptionResult', text: completed.text, finishReason: 'LENGTH' });

    // A finished caption replays from the history through requestEvents.
    const replay = wsClient(server.wsUrl);
    try {
      const replayed: string[] = [];
      for await (const result of subscribeWs(replay, RequestEventsDocument, { id: completed.requestId })) {
        const event = result.data!.requestEvents;
        if (event.__typename === 'GenerationCompleted') replayed.push(event.text);
      }
      expect(replayed).toEqual([completed.text]);
    } finally {
      await replay.dispose();
    }
  });

  it('closing the WebSocket mid-caption cancels it; the row ends CANCELLED with the partial text', async () => {
    const client = wsClient(server.wsUrl);
    let requestId = '';
    let received = '';
    try {
      const input = { image: { base64: await pngBase64(3) }, model: 'long-captioner', maxTokens: LONG_CONTEXT - 1 };
      for await (const result of subscribeWs(client, CaptionImageDocument, { input })) {
        const event = result.data!.captionImage;
        if (event.__typename === 'GenerationStarted') requestId = event.requestId;
        if (event.__typename === 'GenerationToken') received += event.text;
        if (event.__typename === 'GenerationToken' && event.index >= 3) break;
      }
    } finally {
      await client.dispose();
    }
    const row = await settled(requestId);
    expect(row.status).toBe('CANCELLED');
    expect(row.outputText?.startsWith(received)).toBe(true);
    expect(row.result).toMatchObject({ __typename: 'CaptionResult', finishReason: 'CANCELLED' });
  });
});

describe('captionImageText mutation', () => {
  it('returns the whole caption, its tokens and the settled request', async () => {
    const { body } = await gql(server.graphqlUrl, CaptionImageTextDocument, { input: { image: { base64: await pngBase64(4) }, model: 'tiny-captioner', maxTokens: 5 } });
    expect(body.errors).toBeUndefined();
    const payload = body.data!.captionImageText;
    const expected = referenceCaption(weights, testPicture(4), 5).tokens;
    expect(payload.tokens.map((t) => t.tokenId)).toEqual(expected);
    expect(payload.text).toBe(wordsOf(expected));
    expect(payload.request).toMatchObject({ task: 'IMAGE_CAPTIONING', model: 'tiny-captioner', status: 'COMPLETED', outputText: payload.text });
    expect(payload.request.result).toMatchObject({ __typename: 'CaptionResult', usage: { promptTokens: 1, completionTokens: 5 } });
  });

  it('rejects bad input with stable codes, records nothing, and keeps serving', async () => {
    const before = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount;
    const image = { base64: await pngBase64(1) };
    const truncated = { base64: Buffer.from(await pngBase64(1), 'base64').subarray(0, 40).toString('base64') };
    const cases = [
      [{ image, model: 'no-such-model' }, 'MODEL_NOT_FOUND'],
      [{ image, model: 'not-a-captioner' }, 'BAD_USER_INPUT'],
      [{ image, maxTokens: 0 }, 'BAD_USER_INPUT'],
      [{ image, model: 'tiny-captioner', maxTokens: 1000 }, 'BAD_USER_INPUT'],
      [{ image, topP: 2 }, 'BAD_USER_INPUT'],
      [{ image: { base64: Buffer.from('plain text, not an image').toString('base64') } }, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ image: truncated }, 'BAD_USER_INPUT'],
      [{ image: { base64: 'not base64 !!' } }, 'BAD_USER_INPUT'],
      [{ image: {} }, 'BAD_USER_INPUT'],
    ] as const;
    for (const [input, code] of cases) {
      const { body } = await gql(server.graphqlUrl, CaptionImageTextDocument, { input: input as never });
      expect(codeOf(body), JSON.stringify(input).slice(0, 80)).toBe(code);
    }
    // Over WebSocket the same check fails the subscription with the same code.
    const client = wsClient(server.wsUrl);
    try {
      const stream = subscribeWs(client, CaptionImageDocument, { input: { image, maxTokens: -1 } });
      await expect((async () => { for await (const _ of stream) void _; })()).rejects.toSatisfy((errors: unknown) => JSON.stringify(errors).includes('BAD_USER_INPUT'));
    } finally {
      await client.dispose();
    }
    const after = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 1 })).body.data!.requests.totalCount;
    expect(after).toBe(before);
    const again = await gql(server.graphqlUrl, CaptionImageTextDocument, { input: { image, maxTokens: 2 } });
    expect(again.body.data?.captionImageText.tokens).toHaveLength(2);
  });
});
