import type { PipelineEvent, PlannedStep } from '../pipelines/types.js';
import { builder } from './builder.js';
import { StreamEventRef } from './stream-event.js';
import { MediaInput } from './artifact.js';
import { PipelineDataKindEnum, PipelineTaskEnum, RequestStatusEnum } from './enums.js';
import { InferenceRequestRef } from './request.js';
import { PipelineOutputRef } from './results.js';
import { pipelineEvents, runPipelineEvents, runPipelineOnce, type RunPipelinePayloadShape } from '../resolvers/pipeline.js';

const PipelineGenerationInput = builder.inputType('PipelineGenerationInput', {
  description: 'How a GENERATE step samples; the prompt comes from its template and the previous step.',
  fields: (t) => ({
    maxTokens: t.int({ required: false }),
    temperature: t.float({ required: false, description: '0 (greedy, the default) or more.' }),
    topK: t.int({ required: false }),
    topP: t.float({ required: false, description: 'In (0, 1].' }),
    minP: t.float({ required: false, description: 'In [0, 1].' }),
    repetitionPenalty: t.float({ required: false }),
    presencePenalty: t.float({ required: false }),
    frequencyPenalty: t.float({ required: false }),
    seed: t.int({ required: false }),
    stop: t.stringList({ required: false }),
    chat: t.boolean({ required: false, description: "Send the rendered template as a user message through the model's chat template." }),
  }),
});

const PipelineStepInput = builder.inputType('PipelineStepInput', {
  fields: (t) => ({
    task: t.field({ type: PipelineTaskEnum, required: true }),
    model: t.string({ required: false, description: "A model serving the step's task; the default one when omitted." }),
    template: t.string({
      required: false,
      description: 'GENERATE only: the prompt, with {{input}} where the previous text goes. Default "{{input}}".',
    }),
    generation: t.field({
      type: PipelineGenerationInput,
      required: false,
      description: 'GENERATE, and CAPTION without the penalties and chat.',
    }),
    threshold: t.float({ required: false, description: 'DETECT_SPEECH only: speech probability threshold in (0, 1).' }),
    language: t.string({ required: false, description: 'TRANSCRIBE only: the spoken language, e.g. "en".' }),
  }),
});

const PipelineInputs = builder.inputType('PipelineInputs', {
  description: 'What the first step reads: exactly the input of its kind; inputs no step reads are refused.',
  fields: (t) => ({
    audio: t.field({ type: MediaInput, required: false }),
    image: t.field({ type: MediaInput, required: false }),
    text: t.string({ required: false }),
  }),
});

const RunPipelineInput = builder.inputType('RunPipelineInput', {
  fields: (t) => ({
    steps: t.field({ type: [PipelineStepInput], required: true, description: "Run in order; each reads the one before's output." }),
    inputs: t.field({ type: PipelineInputs, required: true }),
  }),
});

const PipelineStepRef = builder.objectRef<PlannedStep>('PipelineStep').implement({
  description: 'A validated step: the model it will run on and the data kinds it reads and produces.',
  fields: (t) => ({
    index: t.exposeInt('index'),
    task: t.field({ type: PipelineTaskEnum, resolve: (s) => s.task }),
    model: t.exposeString('model'),
    input: t.field({ type: PipelineDataKindEnum, resolve: (s) => s.input }),
    output: t.field({ type: PipelineDataKindEnum, resolve: (s) => s.output }),
    template: t.exposeString('template', { nullable: true }),
  }),
});

type Of<K extends PipelineEvent['kind']> = Extract<PipelineEvent, { kind: K }>;

const PipelineStartedRef = builder.objectRef<Of<'started'>>('PipelineStarted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    requestId: t.exposeID('requestId', { description: 'The pipeline request; cancelRequest on it stops the pipeline.' }),
    steps: t.field({ type: [PipelineStepRef], resolve: (e) => e.steps }),
  }),
});

const PipelineStepStartedRef = builder.objectRef<Of<'step-started'>>('PipelineStepStarted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    step: t.exposeInt('step'),
    requestId: t.exposeID('requestId', { description: "The step's child request." }),
    task: t.field({ type: PipelineTaskEnum, resolve: (e) => e.task }),
    model: t.exposeString('model'),
  }),
});

const PipelineTokenRef = builder.objectRef<Of<'token'>>('PipelineToken').implement({
  interfaces: [StreamEventRef],
  description: 'Text as a GENERATE or TRANSCRIBE step produces it.',
  fields: (t) => ({ step: t.exposeInt('step'), text: t.exposeString('text') }),
});

const PipelineStepSegmentRef = builder.objectRef<Of<'segment'>>('PipelineStepSegment').implement({
  interfaces: [StreamEventRef],
  description: 'A transcribed stretch, in seconds from the start of the input audio.',
  fields: (t) => ({
    step: t.exposeInt('step'),
    start: t.exposeFloat('start'),
    end: t.exposeFloat('end'),
    text: t.exposeString('text'),
  }),
});

const PipelineStepCompletedRef = builder.objectRef<Of<'step-completed'>>('PipelineStepCompleted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    step: t.exposeInt('step'),
    requestId: t.exposeID('requestId'),
    task: t.field({ type: PipelineTaskEnum, resolve: (e) => e.task }),
    output: t.field({ type: PipelineOutputRef, resolve: (e) => e.output }),
  }),
});

const PipelineCompletedRef = builder.objectRef<Of<'completed'>>('PipelineCompleted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    output: t.field({ type: PipelineOutputRef, description: "The last step's output.", resolve: (e) => e.output }),
    steps: t.field({
      type: [InferenceRequestRef],
      description: 'The child request of each step, in order.',
      resolve: (e, _args, ctx) => ctx.requests.children(e.requestId),
    }),
  }),
});

const PipelineErrorRef = builder.objectRef<{ code: string; message: string }>('PipelineError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

const PipelineFailedRef = builder.objectRef<Of<'failed'>>('PipelineFailed').implement({
  interfaces: [StreamEventRef],
  description: 'The pipeline ended without an output: a step failed (FAILED) or it was cancelled (CANCELLED).',
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    status: t.field({ type: RequestStatusEnum, resolve: (e) => e.status }),
    step: t.exposeInt('step', { nullable: true, description: 'The step that failed or was running; null if none had started.' }),
    task: t.field({ type: PipelineTaskEnum, nullable: true, resolve: (e) => e.task }),
    error: t.field({ type: PipelineErrorRef, resolve: (e) => e.error }),
  }),
});

const EVENT_TYPES = {
  started: 'PipelineStarted',
  'step-started': 'PipelineStepStarted',
  token: 'PipelineToken',
  segment: 'PipelineStepSegment',
  'step-completed': 'PipelineStepCompleted',
  completed: 'PipelineCompleted',
  failed: 'PipelineFailed',
} as const satisfies Record<PipelineEvent['kind'], string>;

const PipelineEventUnion = builder.unionType('PipelineEvent', {
  types: [
    PipelineStartedRef,
    PipelineStepStartedRef,
    PipelineTokenRef,
    PipelineStepSegmentRef,
    PipelineStepCompletedRef,
    PipelineCompletedRef,
    PipelineFailedRef,
  ],
  resolveType: (event) => EVENT_TYPES[event.kind],
});

const RunPipelinePayload = builder.objectRef<RunPipelinePayloadShape>('RunPipelinePayload').implement({
  fields: (t) => ({
    output: t.field({ type: PipelineOutputRef, description: "The last step's output.", resolve: (p) => p.output }),
    request: t.field({ type: InferenceRequestRef, description: 'The pipeline request; its steps are its children.', resolve: (p) => p.request }),
  }),
});

builder.objectField(InferenceRequestRef, 'steps', (t) =>
  t.field({
    type: [InferenceRequestRef],
    description: "A pipeline's step requests, in the order they ran (empty for other requests).",
    resolve: (r, _args, ctx) => (r.task === 'PIPELINE' ? ctx.requests.children(r.id) : []),
  }),
);

builder.subscriptionFields((t) => ({
  runPipeline: t.field({
    type: PipelineEventUnion,
    description:
      'Runs the steps as one request: PipelineStarted, then per step PipelineStepStarted, its tokens/segments and PipelineStepCompleted, then PipelineCompleted or PipelineFailed.',
    args: { input: t.arg({ type: RunPipelineInput, required: true }) },
    subscribe: (_root, args, ctx) => runPipelineEvents(ctx, args.input),
    resolve: (event: PipelineEvent) => event,
  }),
  pipelineEvents: t.field({
    type: PipelineEventUnion,
    description: "Attaches to a pipeline by request id: its events so far, then the rest (a finished one's steps from history).",
    args: { id: t.arg.id({ required: true }), after: t.arg.int({ required: false, description: 'The last `sequence` this client saw: the stream resumes after it.' }) },
    subscribe: (_root, args, ctx) => pipelineEvents(ctx, String(args.id), args.after),
    resolve: (event: PipelineEvent) => event,
  }),
}));

builder.mutationFields((t) => ({
  runPipelineOnce: t.field({
    type: RunPipelinePayload,
    description: "Runs the steps as one request and returns the last step's output; a failed step is an error naming it.",
    args: { input: t.arg({ type: RunPipelineInput, required: true }) },
    resolve: (_root, args, ctx) => runPipelineOnce(ctx, args.input),
  }),
}));
