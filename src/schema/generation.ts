import { builder } from './builder.js';
import { StreamEventRef } from './stream-event.js';
import { MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { FinishReasonEnum, GenerationTimingsRef, UsageRef } from './results.js';
import { generateEvents, generateText, requestEvents } from '../resolvers/generation.js';
import type { CompletedEvent, GenerationEventShape, GenerateTextPayloadShape, StartedEvent, TokenEvent, ToolCallEvent } from '../contracts/events.js';

const ChatRoleEnum = builder.enumType('ChatRole', { values: ['system', 'user', 'assistant', 'tool'] as const });

const ToolCallInput = builder.inputType('ToolCallInput', {
  description: 'A call an assistant turn made, sent back with the conversation.',
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    arguments: t.field({ type: 'JSON', required: true, description: 'The arguments object.' }),
  }),
});

const MessagePartInput = builder.inputType('MessagePartInput', {
  description: 'One piece of a multimodal message: exactly one of text and image.',
  isOneOf: true,
  fields: (t) => ({
    text: t.string({ required: false }),
    image: t.field({ type: MediaInput, required: false, description: 'Stored as an input artifact of the request; needs an IMAGE_TEXT_TO_TEXT model.' }),
  }),
});

const ChatMessageInput = builder.inputType('ChatMessageInput', {
  description: 'Give content (text) or parts (text and images in order), not both.',
  fields: (t) => ({
    role: t.field({ type: ChatRoleEnum, required: true }),
    content: t.string({ required: false }),
    parts: t.field({ type: [MessagePartInput], required: false, description: "Text and images in order; GraphQL inputs cannot be a string-or-list union, so this sits beside content." }),
    toolCalls: t.field({ type: [ToolCallInput], required: false, description: 'On an assistant message: the calls it made.' }),
    toolCallId: t.string({ required: false, description: 'On a tool message: the id of the call it answers.' }),
  }),
});

const ResponseFormatTypeEnum = builder.enumType('ResponseFormatType', {
  values: {
    JSON_OBJECT: { value: 'json_object', description: 'Any JSON object.' },
    JSON_SCHEMA: { value: 'json_schema', description: 'JSON that validates against schema (supported keywords: docs/structured-output.md).' },
  } as const,
});

const ResponseFormatInput = builder.inputType('ResponseFormatInput', {
  description: 'Decoding is constrained so the text parses (and validates); GenerationCompleted.json carries the value.',
  fields: (t) => ({
    type: t.field({ type: ResponseFormatTypeEnum, required: true }),
    schema: t.field({ type: 'JSON', required: false, description: 'A JSON schema; required for JSON_SCHEMA.' }),
  }),
});

const ToolInput = builder.inputType('ToolInput', {
  description: "A function the model may call; offered through the chat template's tools.",
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string({ required: false }),
    parameters: t.field({ type: 'JSON', required: false, description: 'JSON schema of the arguments object.' }),
  }),
});

const ToolChoiceModeEnum = builder.enumType('ToolChoiceMode', {
  values: {
    AUTO: { value: 'auto', description: 'The model decides; calls are parsed from its text.' },
    NONE: { value: 'none', description: 'Tools are not offered.' },
    REQUIRED: { value: 'required', description: 'Decoding is constrained to a call whose arguments validate.' },
  } as const,
});

const ToolChoiceInput = builder.inputType('ToolChoiceInput', {
  description: 'A mode, or a function the model must call (constrained like REQUIRED).',
  fields: (t) => ({
    mode: t.field({ type: ToolChoiceModeEnum, required: false }),
    function: t.string({ required: false }),
  }),
});

export const GenerateInput = builder.inputType('GenerateInput', {
  description: 'A prompt or a chat, and how to sample. Greedy decoding unless temperature > 0.',
  fields: (t) => ({
    prompt: t.string({ required: false }),
    messages: t.field({ type: [ChatMessageInput], required: false, description: "Rendered with the model's chat template." }),
    model: t.string({
      required: false,
      description: 'A TEXT_GENERATION or IMAGE_TEXT_TO_TEXT model; when omitted, the default model of the task the messages need (IMAGE_TEXT_TO_TEXT when they hold images).',
    }),
    maxTokens: t.int({ required: false }),
    temperature: t.float({ required: false, description: '0 (greedy, the default) or more.' }),
    topK: t.int({ required: false }),
    topP: t.float({ required: false, description: 'In (0, 1].' }),
    minP: t.float({ required: false, description: 'In [0, 1].' }),
    repetitionPenalty: t.float({ required: false }),
    presencePenalty: t.float({ required: false }),
    frequencyPenalty: t.float({ required: false }),
    seed: t.int({ required: false, description: 'Makes sampling reproducible.' }),
    stop: t.stringList({ required: false, description: 'Strings that end generation; they are not emitted.' }),
    logprobs: t.boolean({ required: false, description: 'Report the log-probability of each chosen token.' }),
    topLogprobs: t.int({ required: false, description: 'Also report this many most likely alternatives (at most 20).' }),
    responseFormat: t.field({ type: ResponseFormatInput, required: false }),
    tools: t.field({ type: [ToolInput], required: false, description: 'Chat only.' }),
    toolChoice: t.field({ type: ToolChoiceInput, required: false, description: 'AUTO when tools are given.' }),
  }),
});

const TokenLogprobRef = builder
  .objectRef<{ tokenId: number; text: string; logprob: number }>('TokenLogprob')
  .implement({
    fields: (t) => ({ tokenId: t.exposeInt('tokenId'), text: t.exposeString('text'), logprob: t.exposeFloat('logprob') }),
  });

const GenerationStartedRef = builder.objectRef<StartedEvent>('GenerationStarted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    model: t.exposeString('model'),
    promptTokens: t.exposeInt('promptTokens'),
  }),
});

const GenerationTokenRef = builder.objectRef<TokenEvent>('GenerationToken').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    text: t.exposeString('text', { description: 'May be empty while a stop string or a multi-byte character is pending.' }),
    index: t.exposeInt('index'),
    tokenId: t.exposeInt('tokenId'),
    logprob: t.exposeFloat('logprob', { nullable: true }),
    topLogprobs: t.field({ type: [TokenLogprobRef], nullable: true, resolve: (e) => e.topLogprobs }),
  }),
});

const GenerationErrorRef = builder.objectRef<{ code: string; message: string }>('GenerationError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

const GenerationCompletedRef = builder.objectRef<CompletedEvent>('GenerationCompleted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    finishReason: t.field({ type: FinishReasonEnum, resolve: (e) => e.finishReason }),
    text: t.exposeString('text'),
    usage: t.field({ type: UsageRef, resolve: (e) => e.usage }),
    timings: t.field({ type: GenerationTimingsRef, resolve: (e) => e.timings }),
    error: t.field({ type: GenerationErrorRef, nullable: true, resolve: (e) => e.error ?? null }),
    json: t.field({ type: 'JSON', nullable: true, description: 'The parsed value of a responseFormat generation that completed; null on LENGTH.', resolve: (e) => e.json ?? null }),
  }),
});

const GenerationToolCallRef = builder.objectRef<ToolCallEvent>('GenerationToolCall').implement({
  interfaces: [StreamEventRef],
  description: 'A call the model made; the generation ends with finish reason TOOL_CALLS.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    arguments: t.field({ type: 'JSON', description: 'The arguments object (validated when the call was forced).', resolve: (c) => c.arguments }),
    index: t.exposeInt('index'),
  }),
});

export const GenerationEventUnion = builder.unionType('GenerationEvent', {
  types: [GenerationStartedRef, GenerationTokenRef, GenerationToolCallRef, GenerationCompletedRef],
  resolveType: (event) =>
    ({ started: 'GenerationStarted', token: 'GenerationToken', tool_call: 'GenerationToolCall', completed: 'GenerationCompleted' })[event.kind],
});

export const GenerateTextPayload = builder.objectRef<GenerateTextPayloadShape>('GenerateTextPayload').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    finishReason: t.field({ type: FinishReasonEnum, resolve: (p) => p.finishReason }),
    usage: t.field({ type: UsageRef, resolve: (p) => p.usage }),
    timings: t.field({ type: GenerationTimingsRef, resolve: (p) => p.timings }),
    tokens: t.field({ type: [GenerationTokenRef], resolve: (p) => p.tokens }),
    json: t.field({ type: 'JSON', nullable: true, resolve: (p) => p.json ?? null }),
    toolCalls: t.field({ type: [GenerationToolCallRef], resolve: (p) => p.toolCalls }),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.subscriptionFields((t) => ({
  generate: t.field({
    type: GenerationEventUnion,
    description: 'GenerationStarted, then one GenerationToken per token, then GenerationCompleted.',
    args: { input: t.arg({ type: GenerateInput, required: true }) },
    subscribe: (_root, args, ctx) => generateEvents(ctx, args.input),
    resolve: (event: GenerationEventShape) => event,
  }),
  requestEvents: t.field({
    type: GenerationEventUnion,
    description: 'Attaches to a generation by request id: what was generated so far, then the rest.',
    args: { id: t.arg.id({ required: true }), after: t.arg.int({ required: false, description: 'The last `sequence` this client saw: the stream resumes after it.' }) },
    subscribe: (_root, args, ctx) => requestEvents(ctx, String(args.id), args.after),
    resolve: (event: GenerationEventShape) => event,
  }),
}));

builder.mutationFields((t) => ({
  generateText: t.field({
    type: GenerateTextPayload,
    description: 'Generates the whole text and returns it at once.',
    args: { input: t.arg({ type: GenerateInput, required: true }) },
    resolve: (_root, args, ctx) => generateText(ctx, args.input),
  }),
}));
