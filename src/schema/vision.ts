import { builder } from './builder.js';
import { MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { EmbeddingModalityEnum, ScoredLabelRef } from './results.js';
import { classifyImage, classifyImageZeroShot, embed, type ClassificationPayloadShape, type EmbedPayloadShape } from '../resolvers/vision.js';

const ClassifyImageInput = builder.inputType('ClassifyImageInput', {
  fields: (t) => ({
    image: t.field({ type: MediaInput, required: true }),
    model: t.string({ required: false, description: 'An IMAGE_CLASSIFICATION model; the default one when omitted.' }),
    topK: t.int({ required: false, description: 'How many of the best labels to return (at least 1). @default 5' }),
  }),
});

const ClassifyImageZeroShotInput = builder.inputType('ClassifyImageZeroShotInput', {
  fields: (t) => ({
    image: t.field({ type: MediaInput, required: true }),
    labels: t.stringList({ required: true, description: 'Candidate labels, 1 to 100, none blank.' }),
    hypothesisTemplate: t.string({
      required: false,
      description: 'Prompt with "{}" where the label goes, e.g. "a photo of {}."; the model\'s own prompt set when omitted.',
    }),
    model: t.string({ required: false, description: 'A ZERO_SHOT_IMAGE_CLASSIFICATION model; the default one when omitted.' }),
  }),
});

const EmbedInput = builder.inputType('EmbedInput', {
  description: 'Exactly one of text or image.',
  fields: (t) => ({
    text: t.string({ required: false }),
    image: t.field({ type: MediaInput, required: false }),
    model: t.string({
      required: false,
      description: 'A dual encoder (text or image) or a TEXT_EMBEDDING model (text); the default dual encoder when omitted.',
    }),
  }),
});

function classificationPayload(name: string) {
  return builder.objectRef<ClassificationPayloadShape>(name).implement({
    fields: (t) => ({
      labels: t.field({ type: [ScoredLabelRef], description: 'Highest score first.', resolve: (p) => p.labels }),
      model: t.exposeString('model'),
      request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
    }),
  });
}

const EmbedPayload = builder.objectRef<EmbedPayloadShape>('EmbedPayload').implement({
  fields: (t) => ({
    vector: t.exposeFloatList('vector', { description: 'L2-normalised unless the model says otherwise; compare by dot product.' }),
    dimension: t.exposeInt('dimension'),
    model: t.exposeString('model', { description: 'Vectors compare only with vectors of the same model.' }),
    modality: t.field({ type: EmbeddingModalityEnum, resolve: (p) => p.modality }),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

builder.mutationFields((t) => ({
  classifyImage: t.field({
    type: classificationPayload('ClassifyImagePayload'),
    description: "Scores an image against an image classifier's own labels.",
    args: { input: t.arg({ type: ClassifyImageInput, required: true }) },
    resolve: (_root, args, ctx) => classifyImage(ctx, args.input),
  }),
  classifyImageZeroShot: t.field({
    type: classificationPayload('ClassifyImageZeroShotPayload'),
    description: 'Scores an image against labels given in the request, on an image/text dual encoder.',
    args: { input: t.arg({ type: ClassifyImageZeroShotInput, required: true }) },
    resolve: (_root, args, ctx) => classifyImageZeroShot(ctx, args.input),
  }),
  embed: t.field({
    type: EmbedPayload,
    description: 'One embedding vector for a text or an image.',
    args: { input: t.arg({ type: EmbedInput, required: true }) },
    resolve: (_root, args, ctx) => embed(ctx, args.input),
  }),
}));
