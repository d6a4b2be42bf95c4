/**
 * `POST /v1/chat/completions`: OpenAI's chat body mapped onto the engine's chat generation —
 * messages through the model's chat template, sampling, logprobs, n choices, response_format
 * and tools (both enforced while decoding) — answered as one `chat.completion` or streamed
 * `chat.completion.chunk`s, tool calls as `delta.tool_calls`.
 */
import { z } from 'zod';
import type { GenerationRequest, ToolChoice } from '../inference/generation/types.js';
import type { MessageInputValue } from '../resolvers/message-parts.js';
import type { ToolCallEvent } from '../contracts/events.js';
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

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).nullish(),
  tool_call_id: z.string().optional(),
});

const tool = z.object({
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string(), description: z.string().optional(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
  }),
]);

const body = z.object({
  ...samplingShape,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().nullish(),
  response_format: responseFormat.nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
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
}

/** response_format, tools and tool_choice as the engine's fields; the engine refuses unsupported schema keywords. */
function structureOf(chat: ChatBody): Pick<GenerationRequest, 'responseFormat' | 'tools' | 'toolChoice'> {
  const format = chat.response_format;
  const responseFormat: GenerationRequest['responseFormat'] =
    format?.type === 'json_object'
      ? { type: 'json_object' }
      : format?.type === 'json_schema'
        ? { type: 'json_schema', schema: format.json_schema.schema ?? { type: 'object' } }
        : undefined;
  const tools = chat.tools?.map(({ function: f }) => ({ name: f.name, description: f.description, parameters: f.parameters ?? { type: 'object' } }));
  if (chat.tool_choice != null && !tools?.length) throw badParam('tool_choice', 'tool_choice needs tools.');
  const choice: ToolChoice | undefined = chat.tool_choice == null ? undefined : typeof chat.tool_choice === 'string' ? chat.tool_choice : { function: chat.tool_choice.function.name };
  return {
    ...(responseFormat ? { responseFormat } : {}),
    ...(tools?.length ? { tools, ...(choice ? { toolChoice: choice } : {}) } : {}),
  };
}

/** A call already made, sent back on the next turn; its arguments stay the JSON text the client holds. */
const callOf = (call: z.infer<typeof toolCall>) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments });

/**
 * One message as the resolver's chat turn: a string stays `content`; parts become `parts`,
 * with images (data URLs: this server fetches nothing) for a model that takes them.
 */
function turnOf(m: Message, i: number, takesImages: boolean, model: string): MessageInputValue {
  const role = m.role === 'developer' ? 'system' : m.role;
  const said = contentOf(m, i, takesImages, model);
  if (m.role === 'tool') {
    if (!m.tool_call_id) throw badParam(`messages[${i}].tool_call_id`, 'A tool message needs the tool_call_id it answers.');
    return { role, ...said, toolCallId: m.tool_call_id };
  }
  if (m.tool_calls?.length) {
    if (m.role !== 'assistant') throw badParam(`messages[${i}].tool_calls`, 'Only assistant messages carry tool_calls.');
    return { role, ...(m.content == null ? { content: '' } : said), toolCalls: m.tool_calls.map(callOf) };
  }
  return { role, ...said };
}

function contentOf(m: Message, i: number, takesImages: boolean, model: string): Pick<MessageInputValue, 'content' | 'parts'> {
  if (m.content == null) {
    if (m.tool_calls?.length) return { content: '' };
    throw badParam(`messages[${i}].content`, `messages[${i}].content is required.`);
  }
  if (typeof m.content === 'string') return { content: m.content };
  const parts = m.content.map((p, j) => {
    if (p.type === 'text') return { text: p.text };
    if (p.type === 'image_url') {
      if (!takesImages) throw badParam(`messages[${i}].content[${j}]`, `The model "${model}" takes text only; it cannot read image parts.`);
      if (!p.image_url.url.startsWith('data:')) {
        throw badParam(`messages[${i}].content[${j}].image_url.url`, 'Images are accepted as data: URLs (base64); this server fetches nothing from the network.');
      }
      return { image: { base64: p.image_url.url } };
    }
    throw badParam(`messages[${i}].content[${j}]`, `Content parts of type ${p.type} are not supported by this server.`);
  });
  // Text alone stays plain content, so text-only models see exactly what they always did.
  return parts.every((p) => 'text' in p) ? { content: parts.map((p) => (p as { text: string }).text).join('') } : { parts };
}

/** The model a chat asks for: the one named (a text or a vision-language model), else the default for what the messages hold. */
function chatModel(ctx: Context, chat: ChatBody) {
  const named = chat.model ? ctx.engine.model(chat.model) : undefined;
  const hasImages = chat.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'));
  const task = named?.task === 'IMAGE_TEXT_TO_TEXT' || (!named && hasImages) ? 'IMAGE_TEXT_TO_TEXT' : 'TEXT_GENERATION';
  return ctx.engine.resolveModel(task, chat.model);
}

const toolCallOf = (call: ToolCallEvent) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } });
/** In a stream each call carries its position, so a client can assemble calls sent in pieces. */
const callChunk = (call: ToolCallEvent) => ({ index: call.index, ...toolCallOf(call) });

function chatDialect(logprobs: boolean): Dialect {
  return {
    idPrefix: 'chatcmpl',
    object: 'chat.completion',
    chunkObject: 'chat.completion.chunk',
    choice: (index, completed, tokens, calls) => ({
      index,
      message: {
        role: 'assistant',
        // A call's text is the call, not content.
        content: calls.length > 0 ? null : completed.text,
        refusal: null,
        ...(calls.length > 0 ? { tool_calls: calls.map(toolCallOf) } : {}),
      },
      logprobs: logprobs ? chatLogprobs(tokens) : null,
      finish_reason: finishReasonOf(completed.finishReason),
    }),
    opening: (index) => ({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }),
    token: (index, token) =>
      token.text === '' && !logprobs ? null : { index, delta: { content: token.text }, logprobs: logprobs ? chatLogprobs([token]) : null, finish_reason: null },
    toolCall: (index, call) => ({ index, delta: { tool_calls: [callChunk(call)] }, logprobs: null, finish_reason: null }),
    heldText: (index, text) => ({ index, delta: { content: text }, logprobs: null, finish_reason: null }),
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
    const model = chatModel(ctx, chat);
    const takesImages = model.inputModalities.includes('IMAGE');
    const messages = chat.messages.map((m, i) => turnOf(m, i, takesImages, model.name));
    const logprobs = chat.logprobs === true || chat.top_logprobs != null;
    const structure = structureOf(chat);
    const requests = Array.from({ length: chat.n ?? 1 }, (_, index) => ({
      messages,
      ...structure,
      ...samplingOf(chat, chat.max_completion_tokens ?? chat.max_tokens, index),
      ...(logprobs ? { logprobs: true, topLogprobs: chat.top_logprobs ?? undefined } : {}),
    }));
    await respond(ctx, res, {
      dialect: chatDialect(logprobs),
      model: model.name,
      requests,
      stream: chat.stream === true,
      includeUsage: chat.stream_options?.include_usage === true,
      holdText: structure.tools !== undefined && structure.toolChoice !== 'none',
    });
  },
};
