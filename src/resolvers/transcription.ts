/**
 * Transcription runs as a pump owned by the request (as generation does): it persists the
 * row, feeds the engine's events into the run's replayable log and writes the final state.
 * Subscribers only read the log, so one leaving cancels the work without racing persistence.
 */
import type { Context } from '../contracts/context.js';
import type { TranscriptionResultShape, TranscriptionTimingsShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import type { ActiveRun } from '../runs/run-registry.js';
import type { TranscriptionEvent, TranscriptSegment } from '../inference/types.js';
import { badInput, cancelled, isCancellation, isTesseraError, TesseraError } from '../errors.js';
import { streamRun } from './generation.js';
import { settleFailure } from './record-run.js';
import { resolveMedia, type MediaInputValue } from './media.js';

export interface TranscribeInputValue {
  audio: MediaInputValue;
  model?: string | null;
  language?: string | null;
}

export interface TranscriptionStartedShape {
  kind: 'started';
  requestId: string;
  model: string;
}

export interface TranscriptionSegmentShape extends TranscriptSegment {
  kind: 'segment';
}

export interface TranscriptionTokenShape {
  kind: 'token';
  text: string;
}

export interface TranscriptionCompletedShape extends Omit<TranscriptionResultShape, 'kind'> {
  kind: 'completed';
  requestId: string;
}

/** Not a GraphQL type: tells subscribers the run ended without a transcript. */
interface TranscriptionFailedShape {
  kind: 'failed';
  error: TesseraError;
}

export type TranscriptionEventShape = TranscriptionStartedShape | TranscriptionSegmentShape | TranscriptionTokenShape | TranscriptionCompletedShape;
type LoggedEvent = TranscriptionEventShape | TranscriptionFailedShape;

export interface TranscribeAudioPayloadShape extends Omit<TranscriptionResultShape, 'kind'> {
  request: RequestRow;
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,8})?$/;

interface Prepared {
  model: string;
  artifactId: string;
  language: string | undefined;
  events: AsyncIterable<TranscriptionEvent>;
  controller: AbortController;
  /** Set once the row exists; the engine calls it when the first window starts computing. */
  started: { onStart: () => void };
}

/** Model, media, decoding and language are all checked before anything is persisted. */
async function prepare(ctx: Context, input: TranscribeInputValue): Promise<Prepared> {
  const language = input.language ?? undefined;
  if (language !== undefined && !LANGUAGE.test(language)) {
    throw badInput(`language must be a language code such as "en", got "${language}".`, { argument: 'language' });
  }
  const model = ctx.engine.resolveModel('SPEECH_RECOGNITION', input.model ?? undefined);
  const media = await resolveMedia(ctx, input.audio, 'audio');
  const controller = new AbortController();
  const started = { onStart: () => undefined as void };
  const events = await ctx.engine.transcribe(model.name, media.bytes, { language, signal: controller.signal, onStart: () => started.onStart() });
  return { model: model.name, artifactId: media.artifact.id, language, events, controller, started };
}

/** Runs one transcription to its end, publishing into the run. Never rejects. */
async function pump(ctx: Context, row: RequestRow, run: ActiveRun<LoggedEvent>, prepared: Prepared): Promise<TranscriptionCompletedShape | null> {
  const segments: TranscriptSegment[] = [];
  let firstOutputAt: Date | null = null;
  const submittedAt = Date.now();
  prepared.started.onStart = () => {
    ctx.requests.markRunning(row.id).catch((error) => ctx.logger.warn({ err: error, id: row.id }, 'could not mark running'));
  };
  run.publish({ kind: 'started', requestId: row.id, model: prepared.model });
  try {
    for await (const event of prepared.events) {
      if (event.type === 'token') {
        run.publish({ kind: 'token', text: event.text });
      } else if (event.type === 'segment') {
        firstOutputAt ??= new Date();
        segments.push(event.segment);
        run.publish({ kind: 'segment', ...event.segment });
      } else {
        if (run.signal.aborted) throw run.signal.reason;
        const timings: TranscriptionTimingsShape = {
          queueMs: event.stats.queueMs,
          computeMs: event.stats.computeMs,
          realTimeFactor: event.stats.realTimeFactor,
          timeToFirstSegmentMs: firstOutputAt ? firstOutputAt.getTime() - submittedAt : null,
        };
        const stored: TranscriptionResultShape = { kind: 'transcription', text: event.text, segments: event.segments, durationSeconds: event.durationSeconds, timings };
        await ctx.requests.complete(row.id, {
          outputText: event.text,
          result: stored,
          queueMs: event.stats.queueMs,
          computeMs: event.stats.computeMs,
          batchSize: event.stats.batchSize,
          firstOutputAt,
        });
        const completed: TranscriptionCompletedShape = { ...stored, kind: 'completed', requestId: row.id };
        run.publish(completed);
        return completed;
      }
    }
    throw new TesseraError('INFERENCE_FAILED', 'The transcription ended without a completion event.');
  } catch (error) {
    const failure = run.signal.aborted ? run.signal.reason : error;
    const partial = segments.map((s) => s.text).join(' ');
    await settleFailure(ctx, row.id, failure, { outputText: partial || null, firstOutputAt }).catch((e) =>
      ctx.logger.error({ err: e, id: row.id }, 'could not record the transcription failure'),
    );
    const reported = isTesseraError(failure)
      ? failure
      : isCancellation(failure)
        ? cancelled()
        : new TesseraError('INFERENCE_FAILED', 'Transcription failed unexpectedly; see the server log.', { requestId: row.id });
    run.publish({ kind: 'failed', error: reported });
    return null;
  } finally {
    run.end();
  }
}

async function begin(ctx: Context, input: TranscribeInputValue) {
  const prepared = await prepare(ctx, input);
  const row = await ctx.requests.create({
    task: 'SPEECH_RECOGNITION',
    model: prepared.model,
    parameters: prepared.language === undefined ? {} : { language: prepared.language },
    inputModalities: ['AUDIO'],
    inputArtifactIds: [prepared.artifactId],
  });
  let run: ActiveRun<LoggedEvent>;
  try {
    run = ctx.runs.start<LoggedEvent>(row.id, ctx.signal, prepared.controller);
  } catch (error) {
    await settleFailure(ctx, row.id, error);
    throw error;
  }
  const done = pump(ctx, row, run, prepared);
  return { row, run, done };
}

/** The run's events as GraphQL shapes; a failed run ends the stream with its error. */
async function* shapes(events: AsyncIterable<LoggedEvent>): AsyncGenerator<TranscriptionEventShape> {
  for await (const event of events) {
    if (event.kind === 'failed') throw event.error;
    yield event;
  }
}

export async function* transcribeEvents(ctx: Context, input: TranscribeInputValue): AsyncGenerator<TranscriptionEventShape> {
  const started = await begin(ctx, input);
  yield* streamRun(ctx, started, shapes(started.run.attach()));
}

export async function transcribeAudio(ctx: Context, input: TranscribeInputValue): Promise<TranscribeAudioPayloadShape> {
  const { row, run, done } = await begin(ctx, input);
  for await (const _event of shapes(run.attach())) void _event;
  const completed = (await done)!;
  const request = (await ctx.requests.get(row.id))!;
  const { kind: _kind, requestId: _id, ...result } = completed;
  return { ...result, request };
}

/** Attaches to a transcription by request id: what was sent so far, then the rest; a finished one from its row. */
export async function* transcriptionEvents(ctx: Context, id: string): AsyncGenerator<TranscriptionEventShape> {
  const row = await ctx.requests.get(id);
  if (!row) throw new TesseraError('NOT_FOUND', `No request with id "${id}".`, { id });
  if (row.task !== 'SPEECH_RECOGNITION') throw badInput(`transcriptionEvents streams transcriptions; ${id} is a ${row.task} request.`);
  const run = ctx.runs.get<LoggedEvent>(id);
  if (run) {
    yield* shapes(run.attach());
    return;
  }
  const stored = row.status === 'QUEUED' || row.status === 'RUNNING' ? ((await ctx.requests.get(id)) ?? row) : row;
  if (stored.status === 'FAILED' || stored.status === 'CANCELLED') {
    throw new TesseraError(stored.status === 'CANCELLED' ? 'CANCELLED' : 'INFERENCE_FAILED', stored.errorMessage ?? `The transcription ${stored.status.toLowerCase()}.`, {
      requestId: id,
      code: stored.errorCode,
    });
  }
  const result = stored.result as TranscriptionResultShape | null;
  yield { kind: 'started', requestId: id, model: stored.model };
  for (const segment of result?.segments ?? []) yield { kind: 'segment', ...segment };
  if (result) yield { ...result, kind: 'completed', requestId: id };
}
