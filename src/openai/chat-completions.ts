/**
 * `POST /v1/chat/completions`: OpenAI's chat body mapped onto the engine's chat generation —
 * messages through the model's chat template, sampling, logprobs, n choices — answered as one
 * `chat.completion` or streamed `chat.completion.chunk`s.
 */
import { z } from 'zod';
import type { ChatMessage } from '../inference/generation/types.js';
import type { Context } from '../contracts/context.js';
import type { Endpoint } from './endpoint.js';
import { readJson } from './body.js';
import { badParam } from './errors.js';
import { chatLogprobs } from './generation/logprobs.js';
import { respond, type Dialect } from './generation/respond.js';
import { finishReasonOf, samplingOf, samplingShape } from './generation/sampling.js';

const part = z.union([
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
  z.object({ type: z.literal('input_audio') }).loose(),
  z.object({ type: z.literal('file') }).loose(),
]);

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.unknown()).nullish(),
  tool_call_id: z.string().optional(),
});

const body = z.object({
  ...samplingShape,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().nullish(),
  response_format: z.object({ type: z.string() }).loose().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.array(z.unknown()).nullish(),
  audio: z.unknown().optional(),
  modalities: z.array(z.string()).nullish(),
  prediction: z.unknown().optional(),
  web_search_options: z.unknown().optional(),
});

type ChatBody = z.infer<typeof body>;
type Message = z.infer<typeof message>;

/** Fields this server cannot honour, refused by name rather than silently dropped. */
function refuseUnsupported(chat: ChatBody): void {
  if (chat.functions?.length) throw badParam('functions', 'functions (the legacy form of tools) is not supported; use tools.');
  if (chat.audio != null) throw badParam('audio', 'Audio output is not supported.');
  if (chat.modalities?.some((m) => m !== 'text')) throw badParam('modalities', 'Only text output is supported.');
  if (chat.prediction != null) throw badParam('prediction', 'Predicted outputs are not supported.');
  if (chat.web_search_options != null) throw badParam('web_search_options', 'Web search is not supported.');
  if (chat.response_format && chat.response_format.type !== 'text') {
    throw badParam('response_format', `response_format ${chat.response_format.type} is not supported by this server yet.`);
  }
  if (chat.tools?.length) throw badParam('tools', 'tools are not supported by this server yet.');
}

/** One message as the engine's chat turn: text parts joined; images only for a model that takes them. */
function turnOf(m: Message, i: number, takesImages: boolean, model: string): ChatMessage {
  if (m.role === 'tool' || m.tool_calls?.length) throw badParam(`messages[${i}]`, 'Tool messages are not supported by this server yet.');
  const role = m.role === 'developer' ? 'system' : m.role;
  if (m.content == null) throw badParam(`messages[${i}].content`, `messages[${i}].content is required.`);
  if (typeof m.content === 'string') return { role, content: m.content };
  const texts = m.content.map((p, j) => {
    if (p.type === 'text') return p.text;
    if (p.type === 'image_url' && !takesImages) {
      throw badParam(`messages[${i}].content[${j}]`, `The model "${model}" takes text only; it cannot read image parts.`);
    }
    throw badParam(`messages[${i}].content[${j}]`, `Content parts of type ${p.type} are not supported by this server.`);
  });
  return { role, content: texts.join('') };
}

function chatDialect(logprobs: boolean): Dialect {
  return {
    idPrefix: 'chatcmpl',
    object: 'chat.completion',
    chunkObject: 'chat.completion.chunk',
    choice: (index, completed, tokens) => ({
      index,
      message: { role: 'assistant', content: completed.text, refusal: null },
      logprobs: logprobs ? chatLogprobs(tokens) : null,
      finish_reason: finishReasonOf(completed.finishReason),
    }),
    opening: (index) => ({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }),
    token: (index, token) =>
      token.text === '' && !logprobs ? null : { index, delta: { content: token.text }, logprobs: logprobs ? chatLogprobs([token]) : null, finish_reason: null },
    ending: (index, finishReason) => ({ index, delta: {}, logprobs: null, finish_reason: finishReason }),
  };
}

export const chatCompletions: Endpoint = {
  method: 'POST',
  path: /^\/v1\/chat\/completions$/,
  access: { scope: 'infer', generates: true },
  async handle(ctx: Context, req, res) {
    const chat = await readJson(req, ctx.config.MAX_BODY_BYTES, body);
    refuseUnsupported(chat);
    const model = ctx.engine.resolveModel('TEXT_GENERATION', chat.model);
    const takesImages = model.inputModalities.includes('IMAGE');
    const messages = chat.messages.map((m, i) => turnOf(m, i, takesImages, model.name));
    const logprobs = chat.logprobs === true || chat.top_logprobs != null;
    const requests = Array.from({ length: chat.n ?? 1 }, (_, index) => ({
      messages,
      ...samplingOf(chat, chat.max_completion_tokens ?? chat.max_tokens, index),
      ...(logprobs ? { logprobs: true, topLogprobs: chat.top_logprobs ?? undefined } : {}),
    }));
    await respond(ctx, res, {
      dialect: chatDialect(logprobs),
      model: model.name,
      requests,
      stream: chat.stream === true,
      includeUsage: chat.stream_options?.include_usage === true,
    });
  },
};
