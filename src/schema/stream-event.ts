import { builder } from './builder.js';

/** Implemented by every event of a request stream, so a client can resume after the last one it saw. */
export const StreamEventRef = builder.interfaceRef<object>('StreamEvent').implement({
  description: 'An event of a request stream (generate, transcribe, runPipeline and their *Events).',
  fields: (t) => ({
    sequence: t.int({
      nullable: true,
      description:
        "The event's position in its request's stream, from 0; pass the last one seen as `after` to resume without gaps or repeats. Previews (partial tokens of a transcript segment or pipeline step) repeat the number before them. Null outside a stream.",
      // Numbered by src/runs/sequence.ts on the way out of a stream.
      resolve: (event) => (event as { sequence?: number }).sequence ?? null,
    }),
  }),
});
