/**
 * The decode thread: owns one decoder's onnxruntime session and its whole decode loop
 * (prefill, steps, logits processors, sampling, stop strings, detokenizing), so logits never
 * leave this thread and the server's event loop only receives finished events. onnxruntime-node
 * runs a session synchronously on its caller, which here blocks this thread and no other.
 */
import { parentPort } from 'node:worker_threads';
import { TesseraError, type ErrorCode } from '../../errors.js';
import type { EventSink } from '../generation/event-channel.js';
import { endedBeforeStart, type GenerationHandle, type TextGenerator } from '../generation/text-generator.js';
import type { GenerationEvent, GenerationLogger } from '../generation/types.js';
import { openInThread } from './open-in-thread.js';
import { Outbox, type Urgency } from './outbox.js';
import type { DecodeThreadSpec, FromDecodeThread, ToDecodeThread } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.ts must run on a worker thread');

const send = (message: FromDecodeThread) => port.postMessage(message);

/** Log lines cross to the server's logger; a detail that cannot be cloned is sent as text. */
function log(level: 'info' | 'warn' | 'error', details: object, message?: string): void {
  try {
    send({ op: 'log', level, details, message });
  } catch {
    send({ op: 'log', level, details: { details: String(details) }, message });
  }
}
const logger: GenerationLogger = {
  info: (d, m) => log('info', d, m),
  warn: (d, m) => log('warn', d, m),
  error: (d, m) => log('error', { ...d, err: d && 'err' in d ? String((d as { err: unknown }).err) : undefined }, m),
};

let generator: TextGenerator | null = null;
const running = new Map<number, GenerationHandle>();

/**
 * Events wait here until the loop yields (each session run starts from a setImmediate), so
 * one message carries every row's events of a step, in order; under load, of a few steps.
 */
const outbox = new Outbox<GenerationEvent>((items) => {
  if (generator) send({ op: 'events', items, stats: { ...generator.stats }, prefixCache: generator.prefixCacheStats() });
});
let boundaryQueued = false;
/** Requests whose first token went into the outbox: that one is never held. */
const streaming = new Set<number>();

function atBoundary(): void {
  boundaryQueued = false;
  outbox.boundary(running.size);
}

/** A request's start, first token and end go out with the step that made them. */
function urgencyOf(id: number, event: GenerationEvent): Urgency {
  if (event.type === 'completed') {
    streaming.delete(id);
    return 'urgent';
  }
  if (event.type !== 'token') return event.type === 'started' ? 'urgent' : 'may-wait';
  if (streaming.has(id)) return 'may-wait';
  streaming.add(id);
  return 'urgent';
}

function sinkFor(id: number): EventSink<GenerationEvent> {
  return {
    push(event) {
      outbox.push(id, event, urgencyOf(id, event));
      if (event.type === 'completed') running.delete(id);
      if (!boundaryQueued) {
        boundaryQueued = true;
        setImmediate(atBoundary);
      }
    },
    end() {},
  };
}

async function load(spec: DecodeThreadSpec): Promise<FromDecodeThread> {
  const opened = await openInThread(spec, logger);
  generator = opened.generator;
  const { maxBatchSize, signature } = generator;
  const { executionProvider, fallbackReasons } = opened;
  return { op: 'loaded', maxBatchSize, signature, executionProvider, fallbackReasons, prefixCache: generator.prefixCacheStats() };
}

async function handle(message: ToDecodeThread): Promise<void> {
  switch (message.op) {
    case 'load':
      try {
        send(await load(message.spec));
      } catch (error) {
        const failure = error instanceof TesseraError ? error : new TesseraError('MODEL_LOAD_FAILED', (error as Error).message);
        generator = null;
        send({ op: 'load-failed', error: { code: failure.code, message: failure.message } });
      }
      return;
    case 'start': {
      const sink = sinkFor(message.id);
      try {
        const features = message.failure ? new TesseraError(message.failure.code as ErrorCode, message.failure.message) : message.imageFeatures;
        if (!generator) throw new TesseraError('SHUTTING_DOWN', 'The text generator is closed.');
        running.set(message.id, generator.start(message.prepared, sink, features));
      } catch (error) {
        const failure = error instanceof TesseraError ? error : new TesseraError('INTERNAL_SERVER_ERROR', (error as Error).message);
        for (const event of endedBeforeStart(message.prepared.promptIds.length, 'ERROR', { code: failure.code, message: failure.message })) sink.push(event);
      }
      return;
    }
    case 'expect':
      generator?.expect();
      return;
    case 'cancel':
      running.get(message.id)?.cancel();
      return;
    case 'close':
      await generator?.close();
      outbox.flush();
      send({ op: 'closed' });
      return;
  }
}

// Loading and closing are awaited in order; starts and cancels act at once, since the loop
// itself orders them against its steps.
let previous: Promise<void> = Promise.resolve();
port.on('message', (message: ToDecodeThread) => {
  if (message.op === 'load' || message.op === 'close') previous = previous.then(() => handle(message));
  else void previous.then(() => handle(message));
});
