/**
 * What a finished request produced, as stored in its row's `result` column and returned by
 * the task mutations. The stored JSON carries `kind` so the union can tell them apart.
 */
import type { OcrLine, Point, SpeechSegment } from '../inference/types.js';
import { builder } from './builder.js';

export interface OcrResultShape {
  kind: 'ocr';
  text: string;
  lines: OcrLine[];
  width: number;
  height: number;
}

export interface SpeechDetectionShape {
  kind: 'vad';
  segments: SpeechSegment[];
  durationSeconds: number;
  sampleRate: number;
}

export type FinishReason = 'STOP' | 'LENGTH' | 'CANCELLED' | 'ERROR';

export interface UsageShape {
  promptTokens: number;
  completionTokens: number;
}

export interface GenerationTimingsShape {
  queueMs: number;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
}

export interface GenerationResultShape {
  kind: 'generation';
  text: string;
  finishReason: FinishReason;
  usage: UsageShape;
  timings: GenerationTimingsShape;
}

export type ResultShape = OcrResultShape | SpeechDetectionShape | GenerationResultShape;

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

export const RequestResultUnion = builder.unionType('RequestResult', {
  types: [OcrResultRef, SpeechDetectionResultRef, GenerationResultRef],
  resolveType: (result) =>
    ({ ocr: 'OcrResult', vad: 'SpeechDetectionResult', generation: 'GenerationResult' })[result.kind],
});
