import { builder } from './builder.js';
import { MediaInput } from './artifact.js';
import { GenerateTextPayload, GenerationEventUnion } from './generation.js';
import { captionImageEvents, captionImageText } from '../resolvers/captioning.js';
import type { GenerationEventShape } from '../contracts/events.js';

const CaptionImageInput = builder.inputType('CaptionImageInput', {
  description: 'An image to describe, and how to sample the caption. Greedy decoding unless temperature > 0.',
  fields: (t) => ({
    image: t.field({ type: MediaInput, required: true }),
    model: t.string({ required: false, description: 'An image-captioning model; the default one when omitted.' }),
    maxTokens: t.int({ required: false, description: "Default: the model's generation_config.json max_length." }),
    temperature: t.float({ required: false, description: '0 (greedy, the default) or more.' }),
    topK: t.int({ required: false }),
    topP: t.float({ required: false, description: 'In (0, 1].' }),
    minP: t.float({ required: false, description: 'In [0, 1].' }),
    repetitionPenalty: t.float({ required: false }),
    seed: t.int({ required: false, description: 'Makes sampling reproducible.' }),
    stop: t.stringList({ required: false, description: 'Strings that end the caption; they are not emitted.' }),
    logprobs: t.boolean({ required: false, description: 'Report the log-probability of each chosen token.' }),
    topLogprobs: t.int({ required: false, description: 'Also report this many most likely alternatives (at most 20).' }),
  }),
});

builder.subscriptionFields((t) => ({
  captionImage: t.field({
    type: GenerationEventUnion,
    description: 'Describes an image: GenerationStarted, one GenerationToken per token, then GenerationCompleted.',
    args: { input: t.arg({ type: CaptionImageInput, required: true }) },
    subscribe: (_root, args, ctx) => captionImageEvents(ctx, args.input),
    resolve: (event: GenerationEventShape) => event,
  }),
}));

builder.mutationFields((t) => ({
  captionImageText: t.field({
    type: GenerateTextPayload,
    description: 'Describes an image and returns the whole caption at once.',
    args: { input: t.arg({ type: CaptionImageInput, required: true }) },
    resolve: (_root, args, ctx) => captionImageText(ctx, args.input),
  }),
}));
