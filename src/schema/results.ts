/**
 * The GraphQL types of what a finished request produced; the stored shapes themselves are
 * contracts (src/contracts/results.ts) that resolvers and pipelines share.
 */
import type { OcrLine, Point, ScoredLabel, SpeechSegment, TranscriptSegment } from '../inference/types.js';
import type { PipelineOutput, StepSummary, TimedText } from '../pipelines/types.js';
import type { OcrResultShape, SpeechDetectionShape, FinishReason, UsageShape, GenerationTimingsShape, GenerationResultShape, CaptionResultShape, PipelineResultShape, ClassificationShape, EmbeddingShape, CollectionResultShape, TranscriptionTimingsShape, TranscriptionResultShape, ResultShape } from '../contracts/results.js';
import { builder } from './builder.js';
import { PipelineDataKindEnum, PipelineTaskEnum, RequestStatusEnum } from './enums.js';

export type * from '../contracts/results.js';

export const PointRef = builder.objectRef<Point>('Point').implement({
  description: 'A point in source-image pixels.',
  fields: (t) => ({ x: t.exposeFloat('x'), y: t.exposeFloat('y') }),
});

export const OcrLineRef = builder.objectRef<OcrLine>('OcrLine').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    confidence: t.exposeFloat('confidence'),
    box: t.field({ type: [PointRef], description: 'Polygon, clockwise from top-left.', resolve: (l) => l.box }),
  }),
});

export const SpeechSegmentRef = builder.objectRef<SpeechSegment>('SpeechSegment').implement({
  description: 'A stretch of speech, in seconds from the start of the audio.',
  fields: (t) => ({ start: t.exposeFloat('start'), end: t.exposeFloat('end') }),
});

export const FinishReasonEnum = builder.enumType('FinishReason', {
  values: {
    STOP: { description: 'End of sequence or a stop string.' },
    LENGTH: { description: 'maxTokens or the context length was reached.' },
    CANCELLED: { description: 'The client or the server cancelled it; the partial text is kept.' },
    ERROR: { description: 'Generation failed; see the request error.' },
    TOOL_CALLS: { description: 'The model called tools (GenerationToolCall events); answer with tool messages.' },
  } as const,
});

export const UsageRef = builder.objectRef<UsageShape>('Usage').implement({
  fields: (t) => ({ promptTokens: t.exposeInt('promptTokens'), completionTokens: t.exposeInt('completionTokens') }),
});

export const GenerationTimingsRef = builder.objectRef<GenerationTimingsShape>('GenerationTimings').implement({
  fields: (t) => ({
    queueMs: t.exposeFloat('queueMs'),
    timeToFirstTokenMs: t.exposeFloat('timeToFirstTokenMs', { nullable: true }),
    tokensPerSecond: t.exposeFloat('tokensPerSecond', { nullable: true }),
  }),
});

export const OcrResultRef = builder.objectRef<OcrResultShape>('OcrResult').implement({
  fields: (t) => ({
    text: t.exposeString('text', { description: 'Lines joined by newlines, in reading order.' }),
    lines: t.field({ type: [OcrLineRef], resolve: (r) => r.lines }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
  }),
});

export const SpeechDetectionResultRef = builder.objectRef<SpeechDetectionShape>('SpeechDetectionResult').implement({
  fields: (t) => ({
    segments: t.field({ type: [SpeechSegmentRef], resolve: (r) => r.segments }),
    durationSeconds: t.exposeFloat('durationSeconds'),
    sampleRate: t.exposeInt('sampleRate'),
  }),
});

export const GenerationResultRef = builder.objectRef<GenerationResultShape>('GenerationResult').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    finishReason: t.field({ type: FinishReasonEnum, resolve: (r) => r.finishReason }),
    usage: t.field({ type: UsageRef, resolve: (r) => r.usage }),
    timings: t.field({ type: GenerationTimingsRef, resolve: (r) => r.timings }),
  }),
});

export const PipelineSegmentRef = builder.objectRef<TimedText>('PipelineSegment').implement({
  description: 'A stretch of audio in seconds from the start of the input; its text once transcribed.',
  fields: (t) => ({ start: t.exposeFloat('start'), end: t.exposeFloat('end'), text: t.exposeString('text', { nullable: true }) }),
});

export const PipelineOutputRef = builder.objectRef<PipelineOutput>('PipelineOutput').implement({
  description: 'What a pipeline step produced: text (with timed segments after transcription) or speech regions.',
  fields: (t) => ({
    kind: t.field({ type: PipelineDataKindEnum, resolve: (o) => o.kind }),
    text: t.exposeString('text', { nullable: true }),
    segments: t.field({ type: [PipelineSegmentRef], nullable: true, resolve: (o) => o.segments }),
  }),
});

export const PipelineStepSummaryRef = builder.objectRef<StepSummary>('PipelineStepSummary').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    task: t.field({ type: PipelineTaskEnum, resolve: (s) => s.task }),
    model: t.exposeString('model'),
    requestId: t.exposeID('requestId', { nullable: true, description: "The step's child request." }),
    status: t.field({ type: RequestStatusEnum, resolve: (s) => s.status }),
    output: t.field({ type: PipelineOutputRef, nullable: true, resolve: (s) => s.output }),
  }),
});

export const PipelineResultRef = builder.objectRef<PipelineResultShape>('PipelineResult').implement({
  fields: (t) => ({
    output: t.field({ type: PipelineOutputRef, nullable: true, resolve: (r) => r.output }),
    steps: t.field({ type: [PipelineStepSummaryRef], description: 'The steps that ran, in order.', resolve: (r) => r.steps }),
  }),
});

export const ScoredLabelRef = builder.objectRef<ScoredLabel>('ScoredLabel').implement({
  fields: (t) => ({
    label: t.exposeString('label'),
    score: t.exposeFloat('score', { description: 'Softmax over the labels, or a per-label sigmoid for multi-label and SigLIP models.' }),
  }),
});

export const EmbeddingModalityEnum = builder.enumType('EmbeddingModality', { values: ['TEXT', 'IMAGE'] as const });

export const ClassificationResultRef = builder.objectRef<ClassificationShape>('ClassificationResult').implement({
  fields: (t) => ({ labels: t.field({ type: [ScoredLabelRef], description: 'Highest score first.', resolve: (r) => r.labels }) }),
});

export const EmbeddingResultRef = builder.objectRef<EmbeddingShape>('EmbeddingResult').implement({
  fields: (t) => ({
    vector: t.exposeFloatList('vector'),
    dimension: t.exposeInt('dimension'),
    modality: t.field({ type: EmbeddingModalityEnum, resolve: (r) => r.modality }),
  }),
});

export const CollectionResultRef = builder.objectRef<CollectionResultShape>('CollectionResult').implement({
  fields: (t) => ({
    collection: t.exposeString('collection'),
    operation: t.field({ type: builder.enumType('CollectionOperation', { values: ['ADD', 'SEARCH'] as const }), resolve: (r) => r.operation }),
    itemIds: t.exposeIDList('itemIds'),
    scores: t.exposeFloatList('scores', { nullable: true }),
  }),
});

export const CaptionResultRef = builder.objectRef<CaptionResultShape>('CaptionResult').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    finishReason: t.field({ type: FinishReasonEnum, resolve: (r) => r.finishReason }),
    usage: t.field({ type: UsageRef, description: 'promptTokens is the decoder start token.', resolve: (r) => r.usage }),
    timings: t.field({ type: GenerationTimingsRef, resolve: (r) => r.timings }),
  }),
});

export const TranscriptSegmentRef = builder.objectRef<TranscriptSegment>('TranscriptSegment').implement({
  description: 'Transcribed text and where it lies, in seconds from the start of the audio.',
  fields: (t) => ({ start: t.exposeFloat('start'), end: t.exposeFloat('end'), text: t.exposeString('text') }),
});

export const TranscriptionTimingsRef = builder.objectRef<TranscriptionTimingsShape>('TranscriptionTimings').implement({
  fields: (t) => ({
    queueMs: t.exposeFloat('queueMs'),
    computeMs: t.exposeFloat('computeMs'),
    realTimeFactor: t.exposeFloat('realTimeFactor', { description: 'Processing time / audio duration (below 1: faster than real time).' }),
    timeToFirstSegmentMs: t.exposeFloat('timeToFirstSegmentMs', { nullable: true }),
  }),
});

export const TranscriptionResultRef = builder.objectRef<TranscriptionResultShape>('TranscriptionResult').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    segments: t.field({ type: [TranscriptSegmentRef], resolve: (r) => r.segments }),
    durationSeconds: t.exposeFloat('durationSeconds'),
    timings: t.field({ type: TranscriptionTimingsRef, resolve: (r) => r.timings }),
  }),
});

export const RequestResultUnion = builder.unionType('RequestResult', {
  types: [ClassificationResultRef, EmbeddingResultRef, OcrResultRef, SpeechDetectionResultRef, GenerationResultRef, PipelineResultRef, CollectionResultRef, CaptionResultRef, TranscriptionResultRef],
  resolveType: (result) =>
    ({ classification: 'ClassificationResult', embedding: 'EmbeddingResult', ocr: 'OcrResult', vad: 'SpeechDetectionResult', generation: 'GenerationResult', pipeline: 'PipelineResult', collection: 'CollectionResult', caption: 'CaptionResult', transcription: 'TranscriptionResult' })[result.kind],
});
