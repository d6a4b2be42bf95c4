/**
 * `POST /v1/embeddings`: each input string is one embedding request through the GraphQL
 * resolver's path (its own row, batched with its siblings by the engine), answered in
 * OpenAI's list shape as floats or base64 of little-endian float32. Every input is checked
 * before any work starts, so a bad one refuses the whole call without leaving rows.
 */
import { z } from 'zod';
import { embed } from '../resolvers/vision.js';
import { checkTextsLength } from '../inference/text-limits.js';
import { readJson } from './body.js';
import { badParam } from './errors.js';
import { sendJson, type Endpoint } from './endpoint.js';

/** Inputs per call; each is a request row. */
export const MAX_EMBEDDING_INPUTS = 256;

const tokens = z.array(z.number().int());

const body = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(MAX_EMBEDDING_INPUTS), tokens, z.array(tokens)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().nullish(),
  user: z.string().nullish(),
});

function textsOf(input: z.infer<typeof body>['input']): string[] {
  const list: unknown[] = typeof input === 'string' ? [input] : input;
  if (list.length === 0 || typeof list[0] !== 'string') {
    throw badParam('input', "Token arrays are not accepted: token ids are specific to a model's tokenizer; send the text.");
  }
  const texts = list as string[];
  texts.forEach((text, i) => {
    if (text.trim() === '') throw badParam(typeof input === 'string' ? 'input' : `input[${i}]`, 'Text to embed must not be blank.');
  });
  return texts;
}

const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');

export const embeddings: Endpoint = {
  method: 'POST',
  path: /^\/v1\/embeddings$/,
  access: { scope: 'infer', generates: false },
  async handle(ctx, req, res) {
    const request = await readJson(req, ctx.config.MAX_BODY_BYTES, body);
    if (request.dimensions != null) throw badParam('dimensions', "dimensions is not supported: these models give vectors of their own fixed size.");
    const texts = textsOf(request.input);
    // One call is one request to the limits, however many rows it becomes.
    checkTextsLength('input', texts);
    const model = ctx.engine.embeddingModelFor('TEXT', request.model);
    const results = await Promise.all(texts.map((text) => embed(ctx, { text, model: model.name })));
    const asBase64 = request.encoding_format === 'base64';
    sendJson(res, {
      object: 'list',
      data: results.map((result, index) => ({ object: 'embedding', index, embedding: asBase64 ? base64Of(result.vector) : result.vector })),
      model: model.name,
      // The embedders do not report their token counts.
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  },
};
