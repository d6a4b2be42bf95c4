import { builder } from './builder.js';
import { ArtifactRef } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { SpeechTimingsRef } from './results.js';
import { speakEvents, synthesizeSpeech } from '../resolvers/speech.js';
import type { SpeechChunkShape, SpeechCompletedShape, SpeechEventShape, SpeechStartedShape, SynthesizeSpeechPayloadShape } from '../contracts/events.js';

const SpeechInput = builder.inputType('SpeechInput', {
  fields: (t) => ({
    text: t.string({ required: true, description: 'What to say; at most 5000 characters, synthesized sentence by sentence.' }),
    model: t.string({ required: false, description: 'A TEXT_TO_SPEECH model; the default one when omitted.' }),
    voice: t.string({ required: false, description: "One of the model's voices; its default voice when omitted. An unknown voice is BAD_USER_INPUT." }),
    speed: t.float({ required: false, description: '1 is the voice’s own pace, 2 twice as fast; between 0.25 and 4.' }),
  }),
});

const SpeechStartedRef = builder.objectRef<SpeechStartedShape>('SpeechStarted').implement({
  fields: (t) => ({ requestId: t.exposeID('requestId'), model: t.exposeString('model') }),
});

const SpeechChunkRef = builder.objectRef<SpeechChunkShape>('SpeechChunk').implement({
  description: 'One sentence (or piece of a long one) of audio, sent as soon as it is made.',
  fields: (t) => ({
    sequence: t.exposeInt('sequence', { description: '0, 1, 2, … in the order the chunks are spoken.' }),
    samples: t.exposeString('samples', { description: 'Base64 of mono 16-bit little-endian PCM at sampleRate.' }),
    sampleRate: t.exposeInt('sampleRate'),
    text: t.exposeString('text', { description: 'The text this chunk speaks.' }),
  }),
});

const SpeechCompletedRef = builder.objectRef<SpeechCompletedShape>('SpeechCompleted').implement({
  fields: (t) => ({
    requestId: t.exposeID('requestId'),
    audio: t.field({ type: ArtifactRef, description: 'The whole recording as a stored WAV.', resolve: (e) => e.audio }),
    sampleRate: t.exposeInt('sampleRate'),
    durationSeconds: t.exposeFloat('durationSeconds'),
    timings: t.field({ type: SpeechTimingsRef, resolve: (e) => e.timings }),
  }),
});

const SpeechEventUnion = builder.unionType('SpeechEvent', {
  types: [SpeechStartedRef, SpeechChunkRef, SpeechCompletedRef],
  resolveType: (event) => ({ started: 'SpeechStarted', chunk: 'SpeechChunk', completed: 'SpeechCompleted' })[event.kind],
});

const SynthesizeSpeechPayload = builder.objectRef<SynthesizeSpeechPayloadShape>('SynthesizeSpeechPayload').implement({
  fields: (t) => ({
    audio: t.field({ type: ArtifactRef, description: 'The recording as a stored WAV (mono 16-bit PCM).', resolve: (p) => p.audio }),
    sampleRate: t.exposeInt('sampleRate'),
    durationSeconds: t.exposeFloat('durationSeconds'),
    timings: t.field({ type: SpeechTimingsRef, resolve: (p) => p.timings }),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.subscriptionFields((t) => ({
  speak: t.field({
    type: SpeechEventUnion,
    description: 'SpeechStarted, then a SpeechChunk per sentence as it is synthesized, then SpeechCompleted with the stored WAV. Leaving cancels the request.',
    args: { input: t.arg({ type: SpeechInput, required: true }) },
    subscribe: (_root, args, ctx) => speakEvents(ctx, args.input),
    resolve: (event: SpeechEventShape) => event,
  }),
}));

builder.mutationFields((t) => ({
  synthesizeSpeech: t.field({
    type: SynthesizeSpeechPayload,
    description: 'Text to speech, stored as a WAV artifact and returned at once.',
    args: { input: t.arg({ type: SpeechInput, required: true }) },
    resolve: (_root, args, ctx) => synthesizeSpeech(ctx, args.input),
  }),
}));
