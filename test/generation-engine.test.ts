/**
 * The text generation engine end to end on a tiny real ONNX language model: cache
 * correctness against full recomputation, sampling reproducibility, stopping, batching
 * equivalence, cancellation and parameter validation.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { TesseraError } from '../src/errors.js';
import type { TextGeneratorInfo } from '../src/inference/generation/text-generator.js';
import type { GenerationEvent, GenerationRequest } from '../src/inference/generation/types.js';
import { referenceGreedy } from './fixtures/lm/reference.js';
import { collect, createTestSession, loadGenerator, PLACEMENTS } from './fixtures/lm/session.js';
import { writeTinyLm, type TinyLm } from './fixtures/lm/tiny-lm.js';

const PROMPTS = [' the cat', ' a dog sat on the mat', ' hello world', ' of'];

describe.each(PLACEMENTS)('decoding on the %s thread', (placement) => {
  async function loadFlavour(
    flavour: 'gpt2' | 'llama' | 'legacy',
    options: { maxBatchSize?: number; eosBias?: number; maxNewTokens?: number; maxQueue?: number; maskFill?: number } = {},
  ) {
    const lm = await writeTinyLm({ flavour, eosBias: options.eosBias, maxNewTokens: options.maxNewTokens, maskFill: options.maskFill });
    const generator = await loadGenerator(lm.dir, placement, { maxBatchSize: options.maxBatchSize ?? 8, maxQueue: options.maxQueue });
    return { lm, generator };
  }

  function expectConsistent(events: GenerationEvent[]) {
    expect(events[0].type).toBe('started');
    const tokens = events.filter((e) => e.type === 'token');
    const completed = events.at(-1)!;
    expect(completed.type).toBe('completed');
    if (completed.type !== 'completed') return;
    expect(tokens.map((t) => t.text).join('')).toBe(completed.text);
    const indices = tokens.map((t) => t.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(new Set(indices).size).toBe(indices.length);
  }

  describe.each(['gpt2', 'llama', 'legacy'] as const)('KV-cache decoding (%s export)', (flavour) => {
    let lm: TinyLm;
    let generator: TextGeneratorInfo;
    let session: ort.InferenceSession;

    beforeAll(async () => {
      ({ lm, generator } = await loadFlavour(flavour));
      session = await createTestSession(`${lm.dir}/onnx/model.onnx`);
    });
    afterAll(async () => {
      await generator.close();
      await session.release();
      await lm.cleanup();
    });

    it('reads the cache layout from the graph', () => {
      expect(generator.signature.layers).toHaveLength(lm.layers);
      expect(generator.signature.kvHeads).toBe(lm.kvHeads);
      expect(generator.signature.kvType).toBe(flavour === 'llama' ? 'float16' : 'float32');
      expect(generator.signature.positionIds).toBe(flavour === 'legacy' ? null : 'int64');
      expect(generator.maxBatchSize).toBe(flavour === 'legacy' ? 1 : 8);
      expect(generator.contextLength).toBe(lm.contextLength);
    });

    it('gives the same greedy tokens as recomputing the whole sequence every step', async () => {
      const model = { session, layers: lm.layers, kvHeads: lm.kvHeads, headDim: lm.headDim, kvType: generator.signature.kvType };
      for (const prompt of PROMPTS.slice(0, 2)) {
        const promptIds = generator.promptIds({ prompt });
        const expected = await referenceGreedy(model, promptIds, 24);
        const run = await collect(generator.generate({ prompt, maxTokens: 24 }));
        expect(run.completed.finishReason).toBe('LENGTH');
        expect(run.completed.usage).toEqual({ promptTokens: promptIds.length, completionTokens: 24 });
        expect(run.completed.text).toBe(generator.tokenizer.decode(expected));
        for (const t of run.tokens) expect(t.tokenId).toBe(expected[t.index]);
      }
    });
  });

  describe('TextGenerator', () => {
    let lm: TinyLm;
    let generator: TextGeneratorInfo;

    beforeAll(async () => {
      ({ lm, generator } = await loadFlavour('gpt2'));
    });
    afterAll(async () => {
      await generator.close();
      await lm.cleanup();
    });

    it('uses a fixture whose output depends on positions (so cache bugs would show)', async () => {
      const session = await createTestSession(`${lm.dir}/onnx/model.onnx`);
      const model = { session, layers: lm.layers, kvHeads: lm.kvHeads, headDim: lm.headDim, kvType: 'float32' as const };
      const ids = generator.promptIds({ prompt: PROMPTS[0] });
      const right = await referenceGreedy(model, ids, 12);
      const shifted = await referenceGreedy(model, ids, 12, { positionShift: 1 });
      await session.release();
      expect(shifted).not.toEqual(right);
    });

    it('is deterministic when greedy', async () => {
      const a = await collect(generator.generate({ prompt: PROMPTS[1], maxTokens: 20 }));
      const b = await collect(generator.generate({ prompt: PROMPTS[1], maxTokens: 20 }));
      expect(a.completed.text).toBe(b.completed.text);
      expect(a.completed.text.length).toBeGreaterThan(0);
      expectConsistent(a.events);
    });

    it('reproduces sampling with the same seed and differs with another', async () => {
      const request: GenerationRequest = { prompt: PROMPTS[0], maxTokens: 24, temperature: 1.2, topK: 50, seed: 7 };
      const a = await collect(generator.generate(request));
      const b = await collect(generator.generate(request));
      const c = await collect(generator.generate({ ...request, seed: 8 }));
      const greedy = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 24 }));
      expect(b.completed.text).toBe(a.completed.text);
      expect(c.completed.text).not.toBe(a.completed.text);
      expect(a.completed.text).not.toBe(greedy.completed.text);
    });

    it('ends with LENGTH at maxTokens', async () => {
      const run = await collect(generator.generate({ prompt: PROMPTS[2], maxTokens: 5 }));
      expect(run.completed.finishReason).toBe('LENGTH');
      expect(run.completed.usage.completionTokens).toBe(5);
      expect(run.completed.timings.timeToFirstTokenMs).not.toBeNull();
      expectConsistent(run.events);
    });

    it('stops at a stop string that spans two tokens and does not emit it', async () => {
      const full = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 30 }));
      const text = full.completed.text;
      // Find a boundary between two token texts where "last char | first char" first occurs.
      let stop = '';
      let boundary = -1;
      let offset = 0;
      for (let i = 0; i + 1 < full.tokens.length && boundary === -1; i += 1) {
        offset += full.tokens[i].text.length;
        const candidate = full.tokens[i].text.slice(-1) + full.tokens[i + 1].text.slice(0, 1);
        if (i >= 2 && candidate.length === 2 && text.indexOf(candidate) === offset - 1) {
          stop = candidate;
          boundary = offset - 1;
        }
      }
      expect(boundary).toBeGreaterThan(0);
      const run = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 30, stop: ['never-appears', stop] }));
      expect(run.completed.finishReason).toBe('STOP');
      expect(run.completed.text).toBe(text.slice(0, boundary));
      expect(run.tokens.some((t) => t.text.includes(stop))).toBe(false);
      expectConsistent(run.events);
    });

    it('reports log-probabilities of the chosen tokens and alternatives', async () => {
      const run = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 6, logprobs: true, topLogprobs: 3 }));
      for (const t of run.tokens) {
        expect(t.logprob).toBeLessThanOrEqual(0);
        expect(t.topLogprobs).toHaveLength(3);
        const [best, second, third] = t.topLogprobs!;
        expect(best.tokenId).toBe(t.tokenId);
        expect(best.logprob).toBeCloseTo(t.logprob!, 6);
        expect(best.logprob).toBeGreaterThanOrEqual(second.logprob);
        expect(second.logprob).toBeGreaterThanOrEqual(third.logprob);
        expect(Math.exp(best.logprob) + Math.exp(second.logprob) + Math.exp(third.logprob)).toBeLessThanOrEqual(1 + 1e-6);
      }
      const plain = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 3 }));
      expect(plain.tokens.every((t) => t.logprob === null && t.topLogprobs === null)).toBe(true);
    });

    it('renders the chat template and generates from messages', async () => {
      const messages = [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'hello' },
      ];
      const rendered = generator.tokenizer.renderChat(messages);
      expect(rendered).toBe('<|endoftext|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n');
      const run = await collect(generator.generate({ messages, maxTokens: 4 }));
      const started = run.events[0];
      expect(started.type === 'started' && started.promptTokens).toBe(generator.tokenizer.encode(rendered, { addSpecialTokens: false }).length);
      expect(run.completed.finishReason).toBe('LENGTH');
    });

    it('gives every concurrent request the tokens it would get alone, with staggered joins', async () => {
      // Long enough that a request is still running when the next one, launched from its third
      // token, reaches a decode thread that does not wait for its consumers.
      const requests = PROMPTS.map((prompt, i) => ({ prompt, maxTokens: 40 + 10 * i }));
      const alone: string[] = [];
      for (const r of requests) alone.push((await collect(generator.generate(r))).completed.text);

      const started: Promise<string>[] = [];
      const launch = (i: number): void => {
        started.push(
          (async () => {
            let tokens = 0;
            let text = '';
            for await (const e of generator.generate(requests[i])) {
              if (e.type === 'token' && ++tokens === 3 && i + 1 < requests.length) launch(i + 1);
              if (e.type === 'completed') text = e.text;
            }
            return text;
          })(),
        );
      };
      launch(0);
      while (started.length < requests.length) await Promise.all(started);
      const together = await Promise.all(started);
      expect(together).toEqual(alone);
      expect(generator.stats.maxRows).toBeGreaterThanOrEqual(3);
    });

    type Run = ReturnType<typeof collect>;
    /**
     * PROMPTS generated one by one, then as one burst that `send` starts request by request
     * (pushing each run); returns both texts and the burst's prefills.
     */
    async function burst(firstMaxTokens: number, send: (request: GenerationRequest, runs: Run[]) => Promise<void> | void) {
      const requests = PROMPTS.map((prompt, i) => ({ prompt, maxTokens: firstMaxTokens + i }));
      const alone: string[] = [];
      for (const r of requests) alone.push((await collect(generator.generate(r))).completed.text);
      const prefillsBefore = generator.stats.prefills;
      const runs: Run[] = [];
      for (const r of requests) await send(r, runs);
      const together = (await Promise.all(runs)).map((t) => t.completed.text);
      return { alone, together, prefills: generator.stats.prefills - prefillsBefore };
    }

    it('gives the same results when all requests start at once', async () => {
      const { alone, together, prefills } = await burst(10, (r, runs) => {
        runs.push(collect(generator.generate(r)));
      });
      expect(together).toEqual(alone);
      // Prompts of 1 to 6 tokens are prefilled together, left-padded.
      expect(prefills).toBe(1);
    });

    it('admits a burst that arrives over several event-loop turns into one prefill, as clients on separate sockets send it', async () => {
      const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
      const { alone, together, prefills } = await burst(4, async (r, runs) => {
        runs.push(collect(generator.generate(r)));
        // Each request is prepared in its own turns, as one per socket would be: the loop, woken
        // by the first, must wait for the rest instead of prefilling it alone.
        await turn();
        await turn();
      });
      expect(together).toEqual(alone);
      expect(prefills).toBe(1);
    });

    it('keeps gathering a burst for requests already validated but not yet submitted, as the server writes each one\'s row first', async () => {
      const { alone, together, prefills } = await burst(4, async (r, runs) => {
        // Validated now (the loop hears of it), submitted 7 ms later: longer than the loop waits
        // between arrivals, so without the announcement the first would be prefilled alone.
        const events = generator.generate(r);
        await new Promise((resolve) => setTimeout(resolve, 7));
        runs.push(collect(events));
      });
      expect(together).toEqual(alone);
      expect(prefills).toBe(1);
    });

    it('rejects every bad parameter with BAD_USER_INPUT before doing any work', () => {
      const bad: GenerationRequest[] = [
        { prompt: 'x', temperature: -0.1 },
        { prompt: 'x', temperature: Number.NaN },
        { prompt: 'x', topP: 0 },
        { prompt: 'x', topP: 1.5 },
        { prompt: 'x', minP: -0.1 },
        { prompt: 'x', minP: 1.01 },
        { prompt: 'x', topK: -1 },
        { prompt: 'x', topK: 2.5 },
        { prompt: 'x', maxTokens: 0 },
        { prompt: 'x', maxTokens: lm.contextLength },
        { prompt: ' the'.repeat(lm.contextLength) },
        { prompt: 'x', repetitionPenalty: 0 },
        { prompt: 'x', repetitionPenalty: 11 },
        { prompt: 'x', presencePenalty: 2.5 },
        { prompt: 'x', frequencyPenalty: -3 },
        { prompt: 'x', messages: [{ role: 'user', content: 'x' }] },
        {},
        { messages: [] },
        { messages: [{ role: 'robot' as 'user', content: 'x' }] },
        { prompt: 'x', stop: [''] },
        { prompt: 'x', stop: Array.from({ length: 17 }, (_, i) => `s${i}`) },
        { prompt: 'x', topLogprobs: 21 },
        { prompt: 'x', seed: 1.5 },
      ];
      for (const request of bad) {
        let caught: unknown;
        try {
          generator.generate(request);
        } catch (error) {
          caught = error;
        }
        expect(caught, JSON.stringify(request).slice(0, 80)).toBeInstanceOf(TesseraError);
        expect((caught as TesseraError).code).toBe('BAD_USER_INPUT');
      }
    });

    it('states the counted prompt when maxTokens does not fit the context', () => {
      const prompt = 'Once upon a time';
      const promptTokens = generator.promptIds({ prompt }).length;
      expect(promptTokens).toBeGreaterThan(1);
      let caught: unknown;
      try {
        generator.generate({ prompt, maxTokens: 2000 });
      } catch (error) {
        caught = error;
      }
      expect((caught as TesseraError).code).toBe('BAD_USER_INPUT');
      expect((caught as TesseraError).message).toBe(
        `maxTokens 2000 plus the ${promptTokens}-token prompt exceeds the context of ${lm.contextLength} tokens (at most ${lm.contextLength - promptTokens}).`,
      );
    });
  });

  describe('cancellation', () => {
    let lm: TinyLm;
    let generator: TextGeneratorInfo;

    beforeAll(async () => {
      // One slot: a request that did not free its slot would make the next one wait forever.
      ({ lm, generator } = await loadFlavour('gpt2', { maxBatchSize: 1 }));
    });
    afterAll(async () => {
      await generator.close();
      await lm.cleanup();
    });

    it('ends a running request through its AbortSignal with CANCELLED and its partial text, and frees the slot', async () => {
      const controller = new AbortController();
      const events: GenerationEvent[] = [];
      let tokens = 0;
      for await (const e of generator.generate({ prompt: PROMPTS[0], maxTokens: 100 }, { signal: controller.signal })) {
        events.push(e);
        if (e.type === 'token' && ++tokens === 3) controller.abort();
      }
      const completed = events.at(-1)!;
      expect(completed.type === 'completed' && completed.finishReason).toBe('CANCELLED');
      if (completed.type !== 'completed') return;
      expect(completed.usage.completionTokens).toBeLessThan(100);
      expect(completed.text.length).toBeGreaterThan(0);
      expectConsistent(events);
      const next = await collect(generator.generate({ prompt: PROMPTS[1], maxTokens: 4 }));
      expect(next.completed.finishReason).toBe('LENGTH');
    });

    it('cancels when the consumer breaks out of the loop, and frees the slot', async () => {
      let seen = 0;
      for await (const e of generator.generate({ prompt: PROMPTS[0], maxTokens: 100 })) {
        if (e.type === 'token' && ++seen === 2) break;
      }
      const next = await collect(generator.generate({ prompt: PROMPTS[2], maxTokens: 4 }));
      expect(next.completed.finishReason).toBe('LENGTH');
      expect(generator.stats.steps).toBeLessThan(100);
    });

    it('cancels a request still waiting for a slot without touching the running one', async () => {
      const controller = new AbortController();
      const running = collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 40 }));
      const waiting = collect(generator.generate({ prompt: PROMPTS[1], maxTokens: 40 }, { signal: controller.signal }));
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      const cancelled = await waiting;
      expect(cancelled.completed.finishReason).toBe('CANCELLED');
      expect(cancelled.completed.usage.completionTokens).toBe(0);
      expect(cancelled.events.map((e) => e.type)).toEqual(['started', 'completed']);
      expect((await running).completed.finishReason).toBe('LENGTH');
    });

    it('ends a request whose signal is already aborted without running it', async () => {
      const run = await collect(generator.generate({ prompt: PROMPTS[0] }, { signal: AbortSignal.abort() }));
      expect(run.completed.finishReason).toBe('CANCELLED');
      expect(run.completed.usage.completionTokens).toBe(0);
    });
  });

  describe('padded prefill on a graph whose mask makes padding rows NaN', () => {
    it('notices the NaN, prefills prompts one by one, and still matches each request run alone', async () => {
      const warnings: string[] = [];
      const lm = await writeTinyLm({ maskFill: -Infinity });
      const generator = await loadGenerator(lm.dir, placement, { logger: { warn: (_o, msg) => warnings.push(msg ?? '') } });
      try {
        const requests = PROMPTS.map((prompt) => ({ prompt, maxTokens: 10 }));
        const alone: string[] = [];
        for (const r of requests) alone.push((await collect(generator.generate(r))).completed.text);
        const together = await Promise.all(requests.map((r) => collect(generator.generate(r))));
        expect(together.map((t) => t.completed.finishReason)).toEqual(requests.map(() => 'LENGTH'));
        expect(together.map((t) => t.completed.text)).toEqual(alone);
        expect(warnings.some((w) => w.includes('NaN'))).toBe(true);
      } finally {
        await generator.close();
        await lm.cleanup();
      }
    });
  });

  describe('end of sequence and lifecycle', () => {
    it('stops with STOP when the model emits an end-of-sequence token', async () => {
      const { lm, generator } = await loadFlavour('gpt2', { eosBias: 60 });
      try {
        const run = await collect(generator.generate({ prompt: PROMPTS[0], maxTokens: 10 }));
        expect(run.completed.finishReason).toBe('STOP');
        expect(run.completed.text).toBe('');
        expect(run.completed.usage.completionTokens).toBe(1);
        expect(run.tokens).toHaveLength(0);
      } finally {
        await generator.close();
        await lm.cleanup();
      }
    });

    it('ends running requests on close and refuses new ones', async () => {
      const { lm, generator } = await loadFlavour('gpt2');
      const events: GenerationEvent[] = [];
      const consumer = (async () => {
        for await (const e of generator.generate({ prompt: PROMPTS[0], maxTokens: 100 })) {
          events.push(e);
          if (e.type === 'token' && events.length === 3) void generator.close();
        }
      })();
      await consumer;
      const completed = events.at(-1)!;
      expect(completed.type === 'completed' && completed.finishReason).toBe('CANCELLED');
      expect(() => generator.generate({ prompt: 'x' })).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
      await generator.close();
      await lm.cleanup();
    });

    it('takes the default output length from generation_config.json', async () => {
      const { lm, generator } = await loadFlavour('gpt2', { maxNewTokens: 7 });
      try {
        const run = await collect(generator.generate({ prompt: PROMPTS[0] }));
        expect(run.completed.finishReason).toBe('LENGTH');
        expect(run.completed.usage.completionTokens).toBe(7);
      } finally {
        await generator.close();
        await lm.cleanup();
      }
    });

    it('refuses with OVERLOADED when the waiting room is full', async () => {
      const { lm, generator } = await loadFlavour('gpt2', { maxBatchSize: 1, maxQueue: 1 });
      try {
        const controller = new AbortController();
        const running = generator.generate({ prompt: PROMPTS[0], maxTokens: 100 }, { signal: controller.signal })[Symbol.asyncIterator]();
        expect((await running.next()).value).toMatchObject({ type: 'started' });
        const waiting = generator.generate({ prompt: PROMPTS[1], maxTokens: 5 }, { signal: controller.signal })[Symbol.asyncIterator]();
        const waitingFirst = waiting.next();
        expect(() => generator.generate({ prompt: PROMPTS[2] })).toThrow(expect.objectContaining({ code: 'OVERLOADED' }));
        controller.abort();
        expect((await waitingFirst).value).toMatchObject({ type: 'started' });
        await running.return?.(undefined);
        await waiting.return?.(undefined);
        const after = await collect(generator.generate({ prompt: PROMPTS[2], maxTokens: 3 }));
        expect(after.completed.finishReason).toBe('LENGTH');
      } finally {
        await generator.close();
        await lm.cleanup();
      }
    });

    it('fails to load a folder without a tokenizer with MODEL_LOAD_FAILED', async () => {
      const lm = await writeTinyLm();
      const { rm } = await import('node:fs/promises');
      await rm(`${lm.dir}/tokenizer.json`);
      await expect(loadGenerator(lm.dir, placement)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
      await lm.cleanup();
    });
  });
});

describe('a decode thread that dies', () => {
  it('ends its open requests with INFERENCE_FAILED and refuses new ones with the same code', async () => {
    const lm = await writeTinyLm();
    const generator = await loadGenerator(lm.dir, 'worker', { logger: { error: () => undefined } });
    try {
      const stream = generator.generate({ prompt: PROMPTS[0], maxTokens: 120 })[Symbol.asyncIterator]();
      const first = stream.next();
      // The real thread, stopped from outside right after the request reached it, as a crash in native code would stop it.
      await (generator as unknown as { worker: Worker }).worker.terminate();
      const rest: GenerationEvent[] = [];
      for (let next = await first; !next.done; next = await stream.next()) rest.push(next.value);
      expect(rest.at(-1)).toMatchObject({ type: 'completed', finishReason: 'ERROR', error: { code: 'INFERENCE_FAILED' } });
      expect(() => generator.generate({ prompt: 'x' })).toThrow(expect.objectContaining({ code: 'INFERENCE_FAILED' }));
    } finally {
      await generator.close();
      await lm.cleanup();
    }
  });
});
