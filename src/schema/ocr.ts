import { builder } from './builder.js';
import { MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { OcrLineRef } from './results.js';
import { recognizeText, type RecognizeTextPayloadShape } from '../resolvers/ocr.js';

const RecognizeTextInput = builder.inputType('RecognizeTextInput', {
  fields: (t) => ({
    image: t.field({ type: MediaInput, required: true }),
    model: t.string({ required: false, description: 'An OCR model; the default one when omitted.' }),
  }),
});

const RecognizeTextPayload = builder.objectRef<RecognizeTextPayloadShape>('RecognizeTextPayload').implement({
  fields: (t) => ({
    text: t.exposeString('text', { description: 'Lines joined by newlines, in reading order.' }),
    lines: t.field({ type: [OcrLineRef], resolve: (p) => p.lines }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.mutationFields((t) => ({
  recognizeText: t.field({
    type: RecognizeTextPayload,
    description: 'Reads the text in an image: lines with polygons and confidences.',
    args: { input: t.arg({ type: RecognizeTextInput, required: true }) },
    resolve: (_root, args, ctx) => recognizeText(ctx, args.input),
  }),
}));
