/**
 * `POST /v1/completions`: the legacy text completion — a raw prompt continued with the same
 * sampling as chat — answered as one `text_completion` or streamed chunks of the same object.
 */
import { z } from 'zod';
import type { Context } from '../contracts/context.js';
import type { Endpoint } from './endpoint.js';
import { readJson } from './body.js';
import { badParam } from './errors.js';
import { completionLogprobs } from './generation/logprobs.js';
import { respond, type Dialect } from './generation/respond.js';
import { finishReasonOf, samplingOf, samplingShape } from './generation/sampling.js';

const body = z.object({
  ...samplingShape,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  /** Here an integer: how many alternatives to report per token (0 = only the chosen token's). */
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
  best_of: z.number().int().nullish(),
  suffix: z.string().nullish(),
});

type CompletionBody = z.infer<typeof body>;

function refuseUnsupported(completion: CompletionBody): void {
  if (completion.echo) throw badParam('echo', 'echo is not supported.');
  if (completion.suffix) throw badParam('suffix', 'suffix (insertion) is not supported.');
  if (completion.best_of != null && completion.best_of !== (completion.n ?? 1)) throw badParam('best_of', 'best_of is not supported; use n.');
}

function completionDialect(logprobs: boolean): Dialect {
  const choice = (index: number, text: string, logprobsValue: object | null, finishReason: string | null) => ({
    index,
    text,
    logprobs: logprobsValue,
    finish_reason: finishReason,
  });
  return {
    idPrefix: 'cmpl',
    object: 'text_completion',
    chunkObject: 'text_completion',
    choice: (index, completed, tokens) =>
      choice(index, completed.text, logprobs ? completionLogprobs(tokens) : null, finishReasonOf(completed.finishReason)),
    token: (index, token, offset) =>
      token.text === '' && !logprobs ? null : choice(index, token.text, logprobs ? completionLogprobs([token], offset) : null, null),
    ending: (index, finishReason) => choice(index, '', null, finishReason),
  };
}

export const completions: Endpoint = {
  method: 'POST',
  path: /^\/v1\/completions$/,
  access: { scope: 'infer', generates: true },
  async handle(ctx: Context, req, res) {
    const completion = await readJson(req, ctx.config.MAX_BODY_BYTES, body);
    refuseUnsupported(completion);
    const model = ctx.engine.resolveModel('TEXT_GENERATION', completion.model);
    const prompt = typeof completion.prompt === 'string' ? completion.prompt : completion.prompt[0]!;
    const logprobs = completion.logprobs != null;
    const requests = Array.from({ length: completion.n ?? 1 }, (_, index) => ({
      prompt,
      ...samplingOf(completion, completion.max_tokens ?? 16, index),
      ...(logprobs ? { logprobs: true, topLogprobs: completion.logprobs ?? 0 } : {}),
    }));
    await respond(ctx, res, {
      dialect: completionDialect(logprobs),
      model: model.name,
      requests,
      stream: completion.stream === true,
      includeUsage: completion.stream_options?.include_usage === true,
    });
  },
};
