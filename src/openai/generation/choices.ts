/**
 * `n` choices as n generations through the GraphQL resolvers' own path (so each is a request
 * row with its lifecycle), started together so the engine batches them. Every choice is
 * started — validated, row written, first event read — before the caller answers, so a
 * refusal (bad input, a full queue, a failure before the work began) is still an HTTP error
 * rather than a broken stream;
 * leaving early cancels them all.
 */
import type { Context } from '../../contracts/context.js';
import type { CompletedEvent, GenerationEventShape } from '../../contracts/events.js';
import { TesseraError } from '../../errors.js';
import type { GenerationRequest, ToolChoice } from '../../inference/generation/types.js';
import { generateEvents, type GenerateInputValue } from '../../resolvers/generation.js';
import type { MessageInputValue } from '../../resolvers/message-parts.js';

export interface ChoiceEvent {
  index: number;
  event: GenerationEventShape;
}

type Choice = AsyncGenerator<GenerationEventShape>;

/**
 * One choice's request: the engine's fields, with messages as the resolver takes them (text,
 * or parts whose images are media inputs the resolver decodes and stores).
 */
export type ChoiceRequest = Omit<GenerationRequest, 'messages'> & { messages?: MessageInputValue[] };

/** The resolver takes GraphQL's tool choice (`{ mode }` or `{ function }`). */
function inputOf(request: ChoiceRequest, model: string): GenerateInputValue {
  const { toolChoice, ...rest } = request;
  const choice = (value: ToolChoice) => (typeof value === 'string' ? { mode: value } : value);
  return { ...rest, model, ...(toolChoice ? { toolChoice: choice(toolChoice) } : {}) };
}

async function* merge(choices: Choice[], firsts: GenerationEventShape[]): AsyncGenerator<ChoiceEvent> {
  for (const [index, event] of firsts.entries()) yield { index, event };
  const next = (index: number) => choices[index]!.next().then((result) => ({ index, result }));
  const pending = new Map(choices.map((_, index) => [index, next(index)]));
  while (pending.size > 0) {
    const { index, result } = await Promise.race(pending.values());
    if (result.done) {
      pending.delete(index);
      continue;
    }
    pending.set(index, next(index));
    yield { index, event: result.value };
  }
}

/** A choice that ended in error or was cancelled, as the coded error it ended with. */
export function failureOf(completed: CompletedEvent): TesseraError | null {
  if (completed.finishReason === 'ERROR') {
    const error = completed.error ?? { code: 'INFERENCE_FAILED', message: 'Generation failed.' };
    return new TesseraError(error.code as never, error.message, { requestId: completed.requestId });
  }
  if (completed.finishReason === 'CANCELLED') return new TesseraError('CANCELLED', 'The generation was cancelled.', { requestId: completed.requestId });
  return null;
}

/** Ends every choice; a choice still running is cancelled (its row CANCELLED) and its end awaited. */
const closeAll = (choices: Choice[]) => Promise.allSettled(choices.map((choice) => choice.return(undefined)));

export async function startChoices(ctx: Context, model: string, requests: ChoiceRequest[]): Promise<AsyncGenerator<ChoiceEvent>> {
  const choices = requests.map((request) => generateEvents(ctx, inputOf(request, model)));
  const firsts = await Promise.allSettled(choices.map((choice) => choice.next()));
  const refused = firsts.find((first): first is PromiseRejectedResult => first.status === 'rejected');
  if (refused) {
    await closeAll(choices);
    throw refused.reason;
  }
  const events = firsts.map((first) => (first as PromiseFulfilledResult<IteratorResult<GenerationEventShape>>).value.value as GenerationEventShape);
  // A choice that failed after its row was written but before it started: still an HTTP error, not a broken stream.
  const ended = events.find((event): event is CompletedEvent => event.kind === 'completed' && failureOf(event) !== null);
  if (ended) {
    await closeAll(choices);
    throw failureOf(ended);
  }
  return (async function* () {
    try {
      yield* merge(choices, events);
    } finally {
      await closeAll(choices);
    }
  })();
}
