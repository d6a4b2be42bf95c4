/**
 * TEXT_GENERATION through an OpenAI-compatible server: the request is checked here as for a
 * local model, then streamed from the upstream's SSE. Each piece of text the upstream sends
 * is one token event (OpenAI does not send token ids: tokenId is -1). The stream's end, its
 * `[DONE]`, or an error decides the completion; the client leaving aborts the fetch.
 */
import { overloaded, TesseraError } from '../../../errors.js';
import { validateGenerationRequest } from '../../generation/validate.js';
import type { FinishReason, GenerationEvent, GenerationRequest } from '../../generation/types.js';
import { sseData } from '../sse.js';
import { callUpstream, failedCall, UpstreamCall, type Upstream } from '../upstream.js';
import { generationBody, parseChunk } from './wire.js';

export interface RemoteGeneratorOptions {
  upstream: Upstream;
  /** The model name the upstream knows. */
  model: string;
  /** Streams open at once before OVERLOADED; the upstream queues what it cannot run. */
  maxStreams: number;
}

export class RemoteGenerator {
  private open = 0;
  private readonly streams = new Set<UpstreamCall>();
  private closed = false;

  constructor(private readonly options: RemoteGeneratorOptions) {}

  generate(request: GenerationRequest, options: { signal?: AbortSignal } = {}): AsyncIterable<GenerationEvent> {
    if (this.closed) throw new TesseraError('SHUTTING_DOWN', 'The model is closed.');
    validateGenerationRequest(request);
    if (this.open >= this.options.maxStreams) throw overloaded(`the upstream of model "${this.options.model}"`, this.options.maxStreams);
    return { [Symbol.asyncIterator]: () => this.stream(request, options.signal) };
  }

  private async *stream(request: GenerationRequest, clientSignal: AbortSignal | undefined): AsyncGenerator<GenerationEvent> {
    const { upstream, model } = this.options;
    const call = new UpstreamCall(upstream, clientSignal);
    this.open += 1;
    this.streams.add(call);
    const submitted = performance.now();
    try {
      const { path, body } = generationBody(model, request);
      const response = await callUpstream(upstream, path, { body, headers: { accept: 'text/event-stream' } }, call);
      const queueMs = performance.now() - submitted;
      yield { type: 'started', promptTokens: 0, queueMs };
      let text = '';
      let index = 0;
      let firstAt: number | null = null;
      let finishReason: FinishReason | null = null;
      let usage: { promptTokens: number; completionTokens: number } | null = null;
      let done = false;
      try {
        for await (const data of sseData(response.body!, () => call.touch())) {
          if (data.trim() === '[DONE]') {
            done = true;
            break;
          }
          const chunk = parseChunk(data);
          if (chunk.error) throw new TesseraError('UPSTREAM_UNAVAILABLE', `The ${upstream.what} failed mid-stream: ${chunk.error}`);
          for (const piece of chunk.pieces) {
            firstAt ??= performance.now();
            text += piece.text;
            yield { type: 'token', index: index++, tokenId: -1, text: piece.text, logprob: piece.logprob, topLogprobs: piece.topLogprobs };
          }
          finishReason = chunk.finishReason ?? finishReason;
          usage = chunk.usage ?? usage;
        }
      } catch (error) {
        throw error instanceof TesseraError ? error : failedCall(upstream, error, call.signal);
      }
      if (!done && finishReason === null) throw new TesseraError('UPSTREAM_UNAVAILABLE', `The ${upstream.what} ended its stream before the generation finished.`);
      const ended = performance.now();
      const computeMs = ended - submitted - queueMs;
      yield {
        type: 'completed',
        finishReason: finishReason ?? 'STOP',
        text,
        usage: usage ?? { promptTokens: 0, completionTokens: index },
        timings: {
          queueMs,
          timeToFirstTokenMs: firstAt === null ? null : firstAt - submitted,
          tokensPerSecond: index > 0 && computeMs > 0 ? (index * 1000) / computeMs : null,
          computeMs,
          batchSize: null,
        },
      };
    } finally {
      // Whatever ended the stream (client gone, error, break), the upstream connection goes with it.
      call.end();
      this.streams.delete(call);
      this.open -= 1;
    }
  }

  /** Refuses new streams; `abortRunning` also ends those in flight. */
  close(reason: TesseraError, abortRunning: boolean): Promise<void> {
    this.closed = true;
    if (abortRunning) for (const stream of this.streams) stream.end(reason);
    return Promise.resolve();
  }
}
