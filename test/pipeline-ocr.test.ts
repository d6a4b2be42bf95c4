/**
 * Pipelines through GraphQL on real models: a receipt rendered with sharp goes through
 * PaddleOCR into the fixture language model, over graphql-ws and as one mutation (and a
 * picture through the captioning fixture). Also what a pipeline refuses before any row
 * exists, how a failing step ends it, and cancellation.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestModels, type TestModels } from './support/models-dir.js';
import { IMAGE_SIZE, referenceCaption, testPicture, tinyCaptionerWeights, wordsOf, writeTinyCaptioner } from './fixtures/captioning/tiny-captioner.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql, subscribeWs, wsClient } from './support/client.js';
import {
  ofType,
  pipelineRows,
  type PipelineEventResult,
  RECEIPT_TEXT,
  renderReceipt,
  requestCount,
  runPipelineWs,
  settled,
} from './support/pipelines.js';
import {
  CancelRequestDocument,
  PipelineEventsDocument,
  PipelineRequestDocument,
  RequestHistoryDocument,
  RunPipelineOnceDocument,
  type RunPipelineInput,
} from './generated/graphql.js';

let models: TestModels;
let server: TestServer;
let receipt: string;

const TEMPLATE = 'Summarise this receipt:\n{{input}}\nSummary:';
const summarise = (generation: RunPipelineInput['steps'][number]['generation'] = { maxTokens: 12 }): RunPipelineInput => ({
  steps: [{ task: 'RECOGNIZE_TEXT', model: 'paddleocr-v4' }, { task: 'GENERATE', template: TEMPLATE, generation }],
  inputs: { image: { base64: receipt } },
});

beforeAll(async () => {
  // A long context lets a generation step run long enough for a cancellation to land mid-way.
  models = await createTestModels({ lm: { maxPositions: 2048 }, real: ['paddleocr-v4'] });
  await writeTinyCaptioner(models.dir);
  server = await startTestServer({ modelsDir: models.dir });
  receipt = (await renderReceipt()).toString('base64');
});

afterAll(async () => {
  await server?.close();
  models?.cleanup();
});

describe('image → OCR → generation', () => {
  it('streams each step with its index, feeds the OCR text into the template, and records a child row per step', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const { events, errors } = await runPipelineWs(client, summarise());
      expect(errors).toEqual([]);
      expect(events.map((e) => e.__typename).filter((t, i, all) => t !== all[i - 1])).toEqual([
        'PipelineStarted',
        'PipelineStepStarted',
        'PipelineStepCompleted',
        'PipelineStepStarted',
        'PipelineToken',
        'PipelineStepCompleted',
        'PipelineCompleted',
      ]);
      const [started] = ofType(events, 'PipelineStarted');
      expect(started.steps.map((s) => [s.index, s.task, s.model, s.input, s.output])).toEqual([
        [0, 'RECOGNIZE_TEXT', 'paddleocr-v4', 'IMAGE', 'TEXT'],
        [1, 'GENERATE', 'tiny-lm', 'TEXT', 'TEXT'],
      ]);
      const stepDone = ofType(events, 'PipelineStepCompleted');
      expect(stepDone[0]).toMatchObject({ step: 0, task: 'RECOGNIZE_TEXT', output: { kind: 'TEXT', text: RECEIPT_TEXT } });
      const tokens = ofType(events, 'PipelineToken');
      expect(tokens.every((t) => t.step === 1)).toBe(true);
      const answer = tokens.map((t) => t.text).join('');
      expect(answer.length).toBeGreaterThan(0);
      expect(stepDone[1]).toMatchObject({ step: 1, task: 'GENERATE', output: { kind: 'TEXT', text: answer } });

      const [completed] = ofType(events, 'PipelineCompleted');
      expect(completed.requestId).toBe(started.requestId);
      expect(completed.output).toEqual({ kind: 'TEXT', text: answer, segments: null });
      const stepStarts = ofType(events, 'PipelineStepStarted');
      expect(completed.stepRequests.map((r) => r.id)).toEqual(stepStarts.map((s) => s.requestId));
      const [ocr, generation] = completed.stepRequests;
      expect(ocr).toMatchObject({
        task: 'OCR',
        model: 'paddleocr-v4',
        status: 'COMPLETED',
        outputText: RECEIPT_TEXT,
        parent: { id: started.requestId },
        result: { __typename: 'OcrResult' },
      });
      expect(ocr.artifacts.map((a) => a.role)).toEqual(['input']);
      expect(generation).toMatchObject({
        task: 'TEXT_GENERATION',
        model: 'tiny-lm',
        status: 'COMPLETED',
        inputText: `Summarise this receipt:\n${RECEIPT_TEXT}\nSummary:`,
        outputText: answer,
        parent: { id: started.requestId },
        result: { __typename: 'GenerationResult' },
      });
      expect(generation.parameters).toMatchObject({ template: TEMPLATE, maxTokens: 12 });
      for (const row of completed.stepRequests) {
        expect(row.error).toBeNull();
        expect(row.queueMs).not.toBeNull();
        expect(row.computeMs).not.toBeNull();
        expect(Date.parse(row.startedAt!)).toBeLessThanOrEqual(Date.parse(row.finishedAt!));
      }
      // One after the other: the generation row is written once the OCR step has ended.
      expect(Date.parse(generation.createdAt)).toBeGreaterThanOrEqual(Date.parse(ocr.finishedAt!));

      const { parent, steps } = await pipelineRows(server, started.requestId);
      expect(parent).toMatchObject({ task: 'PIPELINE', status: 'COMPLETED', model: 'paddleocr-v4+tiny-lm', outputText: answer, parentId: null });
      expect(parent!.finishedAt!.getTime()).toBeGreaterThanOrEqual(steps[1].finishedAt!.getTime());
      expect(steps.map((s) => s.parentId)).toEqual([started.requestId, started.requestId]);
    } finally {
      await client.dispose();
    }
  });

  it('runPipelineOnce returns the last output, the pipeline request with its result, and its steps', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, { input: summarise({ maxTokens: 8 }) });
    expect(body.errors).toBeUndefined();
    const { output, request } = body.data!.runPipelineOnce;
    expect(output.kind).toBe('TEXT');
    expect(request).toMatchObject({ task: 'PIPELINE', status: 'COMPLETED', outputText: output.text });
    expect(request.steps.map((s) => [s.task, s.status])).toEqual([
      ['OCR', 'COMPLETED'],
      ['TEXT_GENERATION', 'COMPLETED'],
    ]);
    expect(request.steps[1].outputText).toBe(output.text);
    expect(request.result).toEqual({
      __typename: 'PipelineResult',
      output,
      steps: request.steps.map((s, index) => ({ index, task: index === 0 ? 'RECOGNIZE_TEXT' : 'GENERATE', status: 'COMPLETED', requestId: s.id })),
    });
  });

  it('history lists the pipeline, filterable by task PIPELINE, and not its steps', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, { input: summarise({ maxTokens: 2 }) });
    const { id, steps } = body.data!.runPipelineOnce.request;
    const pipelines = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 100, filter: { task: 'PIPELINE' } })).body.data!.requests;
    expect(pipelines.edges.map((e) => e.node.id)).toContain(id);
    expect(pipelines.edges.every((e) => e.node.task === 'PIPELINE')).toBe(true);
    const all = (await gql(server.graphqlUrl, RequestHistoryDocument, { first: 100 })).body.data!.requests;
    const listed = new Set(all.edges.map((e) => e.node.id));
    expect(listed.has(id)).toBe(true);
    for (const step of steps) expect(listed.has(step.id)).toBe(false);
  });

  it('starts from text alone, and chains two generations', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, {
      input: {
        steps: [
          { task: 'GENERATE', generation: { maxTokens: 5 } },
          { task: 'GENERATE', template: 'Again: {{input}}', generation: { maxTokens: 5 } },
        ],
        inputs: { text: 'Once upon a time' },
      },
    });
    expect(body.errors).toBeUndefined();
    const [first, second] = body.data!.runPipelineOnce.request.steps;
    expect(first.inputText).toBe('Once upon a time');
    expect(second.inputText).toBe(`Again: ${first.outputText}`);
    expect(body.data!.runPipelineOnce.output.text).toBe(second.outputText);
  });

  it('pipelineEvents attaches to a running pipeline: what happened so far, then the rest', async () => {
    const first = wsClient(server.wsUrl);
    const second = wsClient(server.wsUrl);
    try {
      let attached: Promise<string[]> | undefined;
      let id = '';
      const { events } = await runPipelineWs(first, summarise({ maxTokens: 200 }), (event) => {
        if (event.__typename === 'PipelineStarted') id = event.requestId;
        if (event.__typename === 'PipelineToken' && !attached) {
          attached = (async () => {
            const seen: string[] = [];
            for await (const result of subscribeWs(second, PipelineEventsDocument, { id })) {
              const e = result.data!.pipelineEvents;
              seen.push(e.__typename === 'PipelineCompleted' ? `${e.__typename}:${e.output.text}` : e.__typename);
            }
            return seen;
          })();
        }
      });
      const seen = await attached!;
      const [completed] = ofType(events, 'PipelineCompleted');
      expect(seen[0]).toBe('PipelineStarted');
      expect(seen.filter((t) => t === 'PipelineStepCompleted')).toHaveLength(2);
      expect(seen.at(-1)).toBe(`PipelineCompleted:${completed.output.text}`);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });

  it('pipelineEvents tells a finished pipeline from its row', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, { input: summarise({ maxTokens: 4 }) });
    const id = body.data!.runPipelineOnce.request.id;
    const client = wsClient(server.wsUrl);
    try {
      const replay = [];
      for await (const result of subscribeWs(client, PipelineEventsDocument, { id })) replay.push(result.data!.pipelineEvents);
      expect(replay.map((e) => e.__typename)).toEqual([
        'PipelineStarted',
        'PipelineStepStarted',
        'PipelineStepCompleted',
        'PipelineStepStarted',
        'PipelineStepCompleted',
        'PipelineCompleted',
      ]);
      expect(replay[2]).toMatchObject({ step: 0, output: { text: RECEIPT_TEXT } });
      expect(replay[5]).toMatchObject({ output: body.data!.runPipelineOnce.output });
    } finally {
      await client.dispose();
    }
  });
});

describe('pipelineEvents refusals', () => {
  it('NOT_FOUND for an unknown id, BAD_USER_INPUT for a request that is not a pipeline', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, { input: summarise({ maxTokens: 2 }) });
    const stepId = body.data!.runPipelineOnce.request.steps[0].id;
    const client = wsClient(server.wsUrl);
    try {
      for (const [id, code] of [
        ['00000000-0000-7000-8000-000000000000', 'NOT_FOUND'],
        [stepId, 'BAD_USER_INPUT'],
      ]) {
        let error: unknown;
        try {
          for await (const result of subscribeWs(client, PipelineEventsDocument, { id })) error = result.errors;
        } catch (thrown) {
          error = thrown;
        }
        expect((error as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code).toBe(code);
      }
    } finally {
      await client.dispose();
    }
  });
});

describe('image → caption → generation', () => {
  it('captions the picture and feeds the caption into the template', async () => {
    const picture = await sharp(testPicture(2), { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } }).png().toBuffer();
    const caption = wordsOf(referenceCaption(tinyCaptionerWeights(7), testPicture(2), 6).tokens);
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, {
      input: {
        steps: [
          { task: 'CAPTION', model: 'tiny-captioner', generation: { maxTokens: 6 } },
          { task: 'GENERATE', template: 'Describe: {{input}}.', generation: { maxTokens: 4 } },
        ],
        inputs: { image: { base64: picture.toString('base64') } },
      },
    });
    expect(body.errors).toBeUndefined();
    const [captioned, generated] = body.data!.runPipelineOnce.request.steps;
    expect(captioned).toMatchObject({ task: 'IMAGE_CAPTIONING', status: 'COMPLETED', outputText: caption, result: { __typename: 'CaptionResult' } });
    expect(generated).toMatchObject({ task: 'TEXT_GENERATION', status: 'COMPLETED', inputText: `Describe: ${caption}.` });
  });
});

describe('refused before any work', () => {
  const refusals: { name: string; input: RunPipelineInput; code: string; step: number | undefined }[] = ([
    ['no steps', { steps: [], inputs: { text: 'x' } }, 'BAD_USER_INPUT', undefined],
    ['too many steps', { steps: Array.from({ length: 9 }, () => ({ task: 'GENERATE' as const })), inputs: { text: 'x' } }, 'BAD_USER_INPUT', 8],
    [
      'OCR after generation (TEXT into an IMAGE step)',
      { steps: [{ task: 'GENERATE' }, { task: 'RECOGNIZE_TEXT' }], inputs: { text: 'x' } },
      'BAD_USER_INPUT',
      1,
    ],
    [
      'transcription after OCR',
      { steps: [{ task: 'RECOGNIZE_TEXT' }, { task: 'GENERATE' }, { task: 'TRANSCRIBE' }], inputs: { image: { base64: 'AAAA' } } },
      'BAD_USER_INPUT',
      2,
    ],
    ['first step needs an image that was not given', { steps: [{ task: 'RECOGNIZE_TEXT' }], inputs: { text: 'x' } }, 'BAD_USER_INPUT', 0],
    [
      'an input no step reads',
      { steps: [{ task: 'GENERATE' }], inputs: { text: 'x', image: { base64: 'AAAA' } } },
      'BAD_USER_INPUT',
      undefined,
    ],
    ['template without {{input}}', { steps: [{ task: 'GENERATE', template: 'Summarise this' }], inputs: { text: 'x' } }, 'BAD_USER_INPUT', 0],
    ['template on an OCR step', { steps: [{ task: 'RECOGNIZE_TEXT', template: '{{input}}' }], inputs: { image: { base64: 'AAAA' } } }, 'BAD_USER_INPUT', 0],
    [
      'a bad generation parameter',
      { steps: [{ task: 'RECOGNIZE_TEXT' }, { task: 'GENERATE', generation: { topP: 2 } }], inputs: { image: { base64: 'AAAA' } } },
      'BAD_USER_INPUT',
      1,
    ],
    ['an unknown model', { steps: [{ task: 'RECOGNIZE_TEXT' }, { task: 'GENERATE', model: 'nope' }], inputs: { image: { base64: 'AAAA' } } }, 'MODEL_NOT_FOUND', 1],
    [
      'a penalty on a caption step',
      { steps: [{ task: 'CAPTION', generation: { presencePenalty: 0.5 } }], inputs: { image: { base64: 'AAAA' } } },
      'BAD_USER_INPUT',
      0,
    ],
    ['a model of another task', { steps: [{ task: 'GENERATE', model: 'paddleocr-v4' }], inputs: { text: 'x' } }, 'BAD_USER_INPUT', 0],
  ] as const satisfies [string, RunPipelineInput, string, number | undefined][]).map(([name, input, code, step]) => ({ name, input, code, step }));

  it.each(refusals)('$name → $code naming the step, and no row', async ({ input, code, step }) => {
    const before = await requestCount(server);
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, { input });
    const error = body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code, ...(step === undefined ? {} : { step }) });
    if (step !== undefined) expect(error?.message).toMatch(new RegExp(`^Step ${step} \\(`));

    const client = wsClient(server.wsUrl);
    try {
      const { events, errors } = await runPipelineWs(client, input);
      expect(events).toEqual([]);
      expect(errors[0]?.extensions).toMatchObject({ code, ...(step === undefined ? {} : { step }) });
    } finally {
      await client.dispose();
    }
    expect(await requestCount(server)).toBe(before);
  });
});

describe('a failing step', () => {
  it('corrupt image bytes fail step 0: the pipeline is FAILED naming it, and no later step runs', async () => {
    // A PNG signature with nothing valid after it passes the media sniffing and fails in decoding.
    const corrupt = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]).toString('base64');
    const client = wsClient(server.wsUrl);
    try {
      const { events } = await runPipelineWs(client, { ...summarise(), inputs: { image: { base64: corrupt } } });
      const [failed] = ofType(events, 'PipelineFailed');
      expect(failed).toMatchObject({ status: 'FAILED', failedStep: 0, failedTask: 'RECOGNIZE_TEXT' });
      expect(failed.error.message).toMatch(/^Step 0 \(RECOGNIZE_TEXT\) failed: /);
      expect(ofType(events, 'PipelineStepStarted').map((e) => e.step)).toEqual([0]);
      const { parent, steps } = await pipelineRows(server, failed.requestId);
      expect(parent).toMatchObject({ status: 'FAILED', errorCode: failed.error.code });
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ task: 'OCR', status: 'FAILED', errorCode: failed.error.code });
      expect(steps[0].finishedAt).not.toBeNull();
    } finally {
      await client.dispose();
    }
  });

  it('a prompt that outgrows the context fails step 1 after step 0 completed; the mutation error names the step', async () => {
    const { body } = await gql(server.graphqlUrl, RunPipelineOnceDocument, {
      input: summarise({ maxTokens: 2040 }),
    });
    const error = body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', step: 1, task: 'GENERATE' });
    const id = error!.extensions!.requestId as string;
    const { body: history } = await gql(server.graphqlUrl, PipelineRequestDocument, { id });
    expect(history.data!.request).toMatchObject({ task: 'PIPELINE', status: 'FAILED', error: { code: 'BAD_USER_INPUT' } });
    expect(history.data!.request!.steps.map((s) => [s.task, s.status, s.error?.code ?? null])).toEqual([
      ['OCR', 'COMPLETED', null],
      ['TEXT_GENERATION', 'FAILED', 'BAD_USER_INPUT'],
    ]);
  });
});

describe('cancellation', () => {
  const longChain = (): RunPipelineInput => ({
    steps: [
      { task: 'RECOGNIZE_TEXT' },
      { task: 'GENERATE', template: TEMPLATE, generation: { maxTokens: 1900 } },
      { task: 'GENERATE', generation: { maxTokens: 4 } },
    ],
    inputs: { image: { base64: receipt } },
  });

  it('cancelRequest on the pipeline stops the running step; pipeline and step CANCELLED, the pending step never created', async () => {
    const client = wsClient(server.wsUrl);
    try {
      let pipelineId = '';
      let cancelStatus: string | undefined;
      const { events } = await runPipelineWs(client, longChain(), async (event) => {
        if (event.__typename === 'PipelineStarted') pipelineId = event.requestId;
        if (event.__typename === 'PipelineToken' && cancelStatus === undefined) {
          cancelStatus = 'sent';
          const { body } = await gql(server.graphqlUrl, CancelRequestDocument, { id: pipelineId });
          cancelStatus = body.data?.cancelRequest.status;
        }
      });
      expect(cancelStatus).toBe('CANCELLED');
      const [failed] = ofType(events, 'PipelineFailed');
      expect(failed).toMatchObject({ status: 'CANCELLED', failedStep: 1, failedTask: 'GENERATE', error: { code: 'CANCELLED' } });
      const { parent, steps } = await pipelineRows(server, pipelineId);
      expect(parent!.status).toBe('CANCELLED');
      expect(steps.map((s) => [s.task, s.status])).toEqual([
        ['OCR', 'COMPLETED'],
        ['TEXT_GENERATION', 'CANCELLED'],
      ]);
      expect(steps[1].finishedAt).not.toBeNull();
      // The cancelled answer keeps what it had streamed.
      const streamed = ofType(events, 'PipelineToken').map((t) => t.text).join('');
      expect(streamed.length).toBeGreaterThan(0);
      expect(steps[1].outputText?.startsWith(streamed)).toBe(true);
    } finally {
      await client.dispose();
    }
  });

  it('cancelRequest on the running step cancels it and, with it, the pipeline', async () => {
    const client = wsClient(server.wsUrl);
    try {
      let pipelineId = '';
      const { events } = await runPipelineWs(client, longChain(), async (event) => {
        if (event.__typename === 'PipelineStarted') pipelineId = event.requestId;
        if (event.__typename === 'PipelineStepStarted' && event.step === 1) {
          await gql(server.graphqlUrl, CancelRequestDocument, { id: event.requestId });
        }
      });
      expect(ofType(events, 'PipelineFailed')[0]).toMatchObject({ status: 'CANCELLED', failedStep: 1 });
      const { parent, steps } = await pipelineRows(server, pipelineId);
      expect([parent!.status, ...steps.map((s) => s.status)]).toEqual(['CANCELLED', 'COMPLETED', 'CANCELLED']);
    } finally {
      await client.dispose();
    }
  });

  it('a client that disconnects mid-step leaves the pipeline and its running step CANCELLED', async () => {
    const client = wsClient(server.wsUrl);
    let pipelineId = '';
    try {
      await runPipelineWs(client, longChain(), (event) => {
        if (event.__typename === 'PipelineStarted') pipelineId = event.requestId;
        if (event.__typename === 'PipelineToken') return 'leave';
      });
    } finally {
      await client.dispose();
    }
    const { parent, steps } = await settled(server, pipelineId);
    expect(parent.status).toBe('CANCELLED');
    expect(steps.map((s) => [s.task, s.status])).toEqual([
      ['OCR', 'COMPLETED'],
      ['TEXT_GENERATION', 'CANCELLED'],
    ]);
  });
});

describe('shutdown', () => {
  it('a draining server lets a running pipeline start its remaining steps and finish', async () => {
    const draining = await startTestServer({ modelsDir: models.dir, env: { SHUTDOWN_TIMEOUT_MS: '120000' } });
    const client = wsClient(draining.wsUrl);
    let closed: Promise<void> | undefined;
    try {
      const input = { ...summarise({ maxTokens: 40 }), steps: [...summarise().steps, { task: 'GENERATE' as const, generation: { maxTokens: 2 } }] };
      // Close once the first step is under way: the two after it start while the server drains.
      const events: PipelineEventResult[] = [];
      await runPipelineWs(client, input, (event) => {
        events.push(event);
        if (event.__typename === 'PipelineStepStarted' && event.step === 0) closed = draining.app.close();
      });
      expect(closed).toBeDefined();
      expect(ofType(events, 'PipelineStepCompleted').map((e) => e.step)).toEqual([0, 1, 2]);
      const [completed] = ofType(events, 'PipelineCompleted');
      expect(completed.stepRequests.map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    } finally {
      await client.dispose();
      await closed;
      await draining.close();
    }
  });
});
