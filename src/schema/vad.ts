import { builder } from './builder.js';
import { MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { SpeechSegmentRef } from './results.js';
import { detectSpeech, type DetectSpeechPayloadShape } from '../resolvers/vad.js';

const DetectSpeechInput = builder.inputType('DetectSpeechInput', {
  fields: (t) => ({
    audio: t.field({ type: MediaInput, required: true }),
    model: t.string({ required: false, description: 'A VAD model; the default one when omitted.' }),
    threshold: t.float({ required: false, description: 'Speech probability threshold in (0, 1); default 0.5.' }),
  }),
});

const DetectSpeechPayload = builder.objectRef<DetectSpeechPayloadShape>('DetectSpeechPayload').implement({
  fields: (t) => ({
    segments: t.field({ type: [SpeechSegmentRef], resolve: (p) => p.segments }),
    durationSeconds: t.exposeFloat('durationSeconds'),
    sampleRate: t.exposeInt('sampleRate'),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.mutationFields((t) => ({
  detectSpeech: t.field({
    type: DetectSpeechPayload,
    description: 'Finds the stretches of speech in audio.',
    args: { input: t.arg({ type: DetectSpeechInput, required: true }) },
    resolve: (_root, args, ctx) => detectSpeech(ctx, args.input),
  }),
}));
