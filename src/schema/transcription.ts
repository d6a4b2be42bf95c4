import { builder } from './builder.js';
import { StreamEventRef } from './stream-event.js';
import { MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { TranscriptionTimingsRef, TranscriptSegmentRef } from './results.js';
import { transcribeAudio, transcribeEvents, transcriptionEvents } from '../resolvers/transcription.js';
import type { TranscribeAudioPayloadShape, TranscriptionCompletedShape, TranscriptionEventShape, TranscriptionSegmentShape, TranscriptionStartedShape, TranscriptionTokenShape } from '../contracts/events.js';

const TranscribeInput = builder.inputType('TranscribeInput', {
  fields: (t) => ({
    audio: t.field({ type: MediaInput, required: true }),
    model: t.string({ required: false, description: 'A SPEECH_RECOGNITION model; the default one when omitted.' }),
    language: t.string({
      required: false,
      description: 'Language code such as "en". Multilingual models detect it when omitted; a language the model lacks is BAD_USER_INPUT.',
    }),
  }),
});

const TranscriptionStartedRef = builder.objectRef<TranscriptionStartedShape>('TranscriptionStarted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({ requestId: t.exposeID('requestId'), model: t.exposeString('model') }),
});

const TranscriptionSegmentRef = builder.objectRef<TranscriptionSegmentShape>('TranscriptionSegment').implement({
  interfaces: [StreamEventRef],
  description: 'A stretch of transcribed speech, sent as soon as its window is decoded.',
  fields: (t) => ({ start: t.exposeFloat('start'), end: t.exposeFloat('end'), text: t.exposeString('text') }),
});

const TranscriptionTokenRef = builder.objectRef<TranscriptionTokenShape>('TranscriptionToken').implement({
  interfaces: [StreamEventRef],
  description: 'Text as a token-by-token decoder (Whisper family) produces it; CTC models send segments only.',
  fields: (t) => ({ text: t.exposeString('text') }),
});

const TranscriptionCompletedRef = builder.objectRef<TranscriptionCompletedShape>('TranscriptionCompleted').implement({
  interfaces: [StreamEventRef],
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    text: t.exposeString('text'),
    segments: t.field({ type: [TranscriptSegmentRef], resolve: (e) => e.segments }),
    durationSeconds: t.exposeFloat('durationSeconds'),
    timings: t.field({ type: TranscriptionTimingsRef, resolve: (e) => e.timings }),
  }),
});

const TranscriptionEventUnion = builder.unionType('TranscriptionEvent', {
  types: [TranscriptionStartedRef, TranscriptionSegmentRef, TranscriptionTokenRef, TranscriptionCompletedRef],
  resolveType: (event) =>
    ({ started: 'TranscriptionStarted', segment: 'TranscriptionSegment', token: 'TranscriptionToken', completed: 'TranscriptionCompleted' })[event.kind],
});

const TranscribeAudioPayload = builder.objectRef<TranscribeAudioPayloadShape>('TranscribeAudioPayload').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    segments: t.field({ type: [TranscriptSegmentRef], resolve: (p) => p.segments }),
    durationSeconds: t.exposeFloat('durationSeconds'),
    timings: t.field({ type: TranscriptionTimingsRef, resolve: (p) => p.timings }),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.subscriptionFields((t) => ({
  transcribe: t.field({
    type: TranscriptionEventUnion,
    description:
      'TranscriptionStarted, then TranscriptionSegment (and TranscriptionToken, for token-by-token decoders) as the audio is decoded window by window, then TranscriptionCompleted.',
    args: { input: t.arg({ type: TranscribeInput, required: true }) },
    subscribe: (_root, args, ctx) => transcribeEvents(ctx, args.input),
    resolve: (event: TranscriptionEventShape) => event,
  }),
  transcriptionEvents: t.field({
    type: TranscriptionEventUnion,
    description: 'Attaches to a transcription by request id: the events so far, then the rest (a finished one replays from its stored result).',
    args: { id: t.arg.id({ required: true }), after: t.arg.int({ required: false, description: 'The last `sequence` this client saw: the stream resumes after it.' }) },
    subscribe: (_root, args, ctx) => transcriptionEvents(ctx, String(args.id), args.after),
    resolve: (event: TranscriptionEventShape) => event,
  }),
}));

builder.mutationFields((t) => ({
  transcribeAudio: t.field({
    type: TranscribeAudioPayload,
    description: 'Speech to text, returned at once.',
    args: { input: t.arg({ type: TranscribeInput, required: true }) },
    resolve: (_root, args, ctx) => transcribeAudio(ctx, args.input),
  }),
}));
