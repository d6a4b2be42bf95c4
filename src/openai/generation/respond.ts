/**
 * One answer for both text endpoints: the choices run, then either one JSON body or a stream
 * of chunks ending in `data: [DONE]` (with a usage chunk first when `stream_options.include_usage`
 * asks). The endpoint brings only its dialect: how a choice, a token and an ending look.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from '../../contracts/context.js';
import type { CompletedEvent, TokenEvent, ToolCallEvent } from '../../contracts/events.js';
import { errorBody } from '../errors.js';
import { openEventStream } from '../sse.js';
import { failureOf, startChoices, type ChoiceEvent, type ChoiceRequest } from './choices.js';
import { finishReasonOf } from './sampling.js';

export type FinishReasonName = ReturnType<typeof finishReasonOf>;

export interface Dialect {
  /** `chatcmpl` or `cmpl`. */
  idPrefix: string;
  object: string;
  chunkObject: string;
  /** A whole choice of the unary answer. */
  choice(index: number, completed: CompletedEvent, tokens: TokenEvent[], toolCalls: ToolCallEvent[]): object;
  /** A chunk choice before any token (chat's role), if the dialect has one. */
  opening?(index: number): object;
  /** A chunk choice for one token; null to send nothing for it. */
  token(index: number, token: TokenEvent, offset: number): object | null;
  /** A chunk choice for one tool call (chat only). */
  toolCall?(index: number, call: ToolCallEvent): object;
  /** A chunk choice for text held back until the generation ended (see Answer.holdText). */
  heldText?(index: number, text: string): object;
  /** The last chunk choice of one choice. */
  ending(index: number, finishReason: FinishReasonName): object;
}

export interface Answer {
  dialect: Dialect;
  model: string;
  requests: ChoiceRequest[];
  stream: boolean;
  includeUsage: boolean;
  /**
   * Tokens are not streamed as text but told at the end: when tools may be called, whether
   * the text is a call is known only once it is complete, and a call's text is not content.
   */
  holdText?: boolean;
}

interface Tally {
  promptTokens: number;
  completionTokens: number;
}

const usageOf = (tally: Tally) => ({
  prompt_tokens: tally.promptTokens,
  completion_tokens: tally.completionTokens,
  total_tokens: tally.promptTokens + tally.completionTokens,
});

/** OpenAI counts a prompt once however many choices share it. */
function count(tally: Tally, completed: CompletedEvent, index: number): void {
  if (index === 0) tally.promptTokens = completed.usage.promptTokens;
  tally.completionTokens += completed.usage.completionTokens;
}

export async function respond(ctx: Context, res: ServerResponse, answer: Answer): Promise<void> {
  const events = await startChoices(ctx, answer.model, answer.requests);
  const created = Math.floor(Date.now() / 1000);
  let id = '';
  const header = () => ({ id, object: answer.stream ? answer.dialect.chunkObject : answer.dialect.object, created, model: answer.model });
  const idOf = (event: ChoiceEvent) => {
    if (!id && event.event.kind === 'started') id = `${answer.dialect.idPrefix}-${event.event.requestId}`;
  };
  const tally: Tally = { promptTokens: 0, completionTokens: 0 };

  if (!answer.stream) {
    const tokens: TokenEvent[][] = answer.requests.map(() => []);
    const calls: ToolCallEvent[][] = answer.requests.map(() => []);
    const choices: object[] = [];
    for await (const event of events) {
      idOf(event);
      if (event.event.kind === 'token') tokens[event.index]!.push(event.event);
      if (event.event.kind === 'tool_call') calls[event.index]!.push(event.event);
      if (event.event.kind !== 'completed') continue;
      const failure = failureOf(event.event);
      if (failure) throw failure;
      count(tally, event.event, event.index);
      choices[event.index] = answer.dialect.choice(event.index, event.event, tokens[event.index]!, calls[event.index]!);
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ ...header(), choices, usage: usageOf(tally) }));
    return;
  }

  const stream = openEventStream(res);
  const offsets = answer.requests.map(() => 0);
  const usage = answer.includeUsage ? { usage: null } : {};
  for await (const event of events) {
    idOf(event);
    const { index } = event;
    const { event: e } = event;
    if (e.kind === 'started') {
      const opening = answer.dialect.opening?.(index);
      if (opening) await stream.send({ ...header(), choices: [opening], ...usage });
    } else if (e.kind === 'token') {
      if (answer.holdText) continue;
      const choice = answer.dialect.token(index, e, offsets[index]!);
      offsets[index]! += e.text.length;
      if (choice) await stream.send({ ...header(), choices: [choice], ...usage });
    } else if (e.kind === 'tool_call') {
      const choice = answer.dialect.toolCall?.(index, e);
      if (choice) await stream.send({ ...header(), choices: [choice], ...usage });
    } else {
      const failure = failureOf(e);
      if (failure) {
        // The stream has begun: the failure can only be told inside it.
        await stream.send(errorBody(failure));
        return void res.end();
      }
      count(tally, e, index);
      const held = answer.holdText && e.finishReason !== 'TOOL_CALLS' && e.text ? answer.dialect.heldText?.(index, e.text) : undefined;
      if (held) await stream.send({ ...header(), choices: [held], ...usage });
      await stream.send({ ...header(), choices: [answer.dialect.ending(index, finishReasonOf(e.finishReason))], ...usage });
    }
  }
  if (answer.includeUsage) await stream.send({ ...header(), choices: [], usage: usageOf(tally) });
  stream.done();
}
