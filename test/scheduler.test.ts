import { describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import { BatchQueue, type Queued } from '../src/inference/scheduler/batch-queue.js';
import { Scheduler, type SchedulerOptions } from '../src/inference/scheduler/scheduler.js';

interface TestEntry extends Queued {
  id: string;
}

function entry(id: string, fields: Partial<TestEntry> = {}): TestEntry {
  return { id, weight: 1, key: '', enqueuedAt: 0, ...fields };
}

const ids = (entries: TestEntry[]) => entries.map((e) => e.id);

describe('BatchQueue state', () => {
  it('refuses entries beyond its limit with OVERLOADED, at once', () => {
    const queue = new BatchQueue<TestEntry>('model "m"', 2);
    queue.append(entry('a'));
    queue.append(entry('b'));
    let thrown: unknown;
    try {
      queue.append(entry('c'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TesseraError);
    expect((thrown as TesseraError).code).toBe('OVERLOADED');
    expect((thrown as TesseraError).message).toContain('model "m"');
    expect(ids(queue.snapshot())).toEqual(['a', 'b']);
  });

  it('a zero limit refuses everything', () => {
    const queue = new BatchQueue<TestEntry>('m', 0);
    expect(() => queue.append(entry('a'))).toThrow(/full/);
  });

  it('forms batches in queue order up to maxBatchSize rows and leaves the rest in place', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    for (const id of ['a', 'b', 'c', 'd', 'e']) queue.append(entry(id));
    expect(ids(queue.nextBatch(3).entries)).toEqual(['a', 'b', 'c']);
    expect(ids(queue.snapshot())).toEqual(['d', 'e']);
    expect(ids(queue.nextBatch(3).entries)).toEqual(['d', 'e']);
    expect(queue.length).toBe(0);
    expect(queue.nextBatch(3).entries).toEqual([]);
  });

  it('counts rows, lets a heavy head go alone, and skips entries that do not fit', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    queue.append(entry('big', { weight: 5 }));
    queue.append(entry('a', { weight: 2 }));
    queue.append(entry('b', { weight: 3 }));
    queue.append(entry('c', { weight: 1 }));
    expect(ids(queue.nextBatch(4).entries)).toEqual(['big']);
    // a (2) fits, b (2+3) does not and keeps its place, c (2+1) still fits.
    expect(ids(queue.nextBatch(4).entries)).toEqual(['a', 'c']);
    expect(ids(queue.snapshot())).toEqual(['b']);
  });

  it('batches only entries whose key matches the head', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    queue.append(entry('a', { key: 'k1' }));
    queue.append(entry('b', { key: 'k2' }));
    queue.append(entry('c', { key: 'k1' }));
    expect(ids(queue.nextBatch(8).entries)).toEqual(['a', 'c']);
    expect(ids(queue.nextBatch(8).entries)).toEqual(['b']);
  });

  it('drops aborted entries when a batch forms and reports them', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    const gone = new AbortController();
    gone.abort();
    queue.append(entry('a', { signal: gone.signal }));
    queue.append(entry('b'));
    queue.append(entry('c', { signal: gone.signal }));
    queue.append(entry('d'));
    const batch = queue.nextBatch(8);
    expect(ids(batch.entries)).toEqual(['b', 'd']);
    expect(ids(batch.dropped)).toEqual(['a', 'c']);
    expect(queue.length).toBe(0);
  });

  it('is due at once without a delay, when full, or once the oldest live entry waited long enough', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    expect(queue.dueAt(4, 50, 1000)).toBeUndefined();
    const gone = new AbortController();
    gone.abort();
    queue.append(entry('old-but-gone', { enqueuedAt: 0, signal: gone.signal }));
    queue.append(entry('a', { enqueuedAt: 100 }));
    expect(queue.dueAt(4, 0, 110)).toBe(110);
    expect(queue.dueAt(4, 50, 110)).toBe(150);
    queue.append(entry('b', { enqueuedAt: 105, weight: 3 }));
    expect(queue.dueAt(4, 50, 110)).toBe(110);
  });

  it('removes a given entry and takes everything on request', () => {
    const queue = new BatchQueue<TestEntry>('m', 10);
    const a = entry('a');
    queue.append(a);
    queue.append(entry('b'));
    expect(queue.remove(a)).toBe(true);
    expect(queue.remove(a)).toBe(false);
    expect(ids(queue.takeAll())).toEqual(['b']);
    expect(queue.length).toBe(0);
  });
});

/** A batch function the test finishes by hand, recording every batch it was given. */
function manualRun() {
  const batches: { inputs: number[]; signal: AbortSignal; finish(): void; fail(error: Error): void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = (inputs: number[], signal: AbortSignal) =>
    new Promise<number[]>((resolve, reject) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push({
        inputs,
        signal,
        finish: () => {
          inFlight -= 1;
          resolve(inputs.map((x) => x * 10));
        },
        fail: (error) => {
          inFlight -= 1;
          reject(error);
        },
      });
    });
  return { batches, run, maxInFlight: () => maxInFlight };
}

function scheduler(run: SchedulerOptions<number, number>['run'], overrides: Partial<SchedulerOptions<number, number>> = {}) {
  return new Scheduler<number, number>({ what: 'model "test"', maxBatchSize: 1, maxQueueDelayMs: 0, maxQueue: 16, concurrency: 1, run, ...overrides });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function rejection(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    return error as TesseraError;
  }
  throw new Error('expected a rejection');
}

describe('Scheduler', () => {
  it('keeps at most `concurrency` batches running and stacks the waiting ones up to maxBatchSize', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxBatchSize: 3, concurrency: 2 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((x) => s.submit(x));
    await tick();
    // Two idle slots take the first two requests at once; the rest wait for a slot.
    expect(manual.batches.map((b) => b.inputs)).toEqual([[1], [2]]);
    expect(s.queued).toBe(5);
    manual.batches[0].finish();
    await tick();
    expect(manual.batches[2].inputs).toEqual([3, 4, 5]);
    manual.batches[1].finish();
    await tick();
    expect(manual.batches[3].inputs).toEqual([6, 7]);
    manual.batches[2].finish();
    manual.batches[3].finish();
    const settled = await Promise.all(results);
    expect(settled.map((r) => r.output)).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(settled.map((r) => r.stats.batchSize)).toEqual([1, 1, 3, 3, 3, 2, 2]);
    expect(manual.maxInFlight()).toBe(2);
    for (const { stats } of settled) {
      expect(stats.queueMs).toBeGreaterThanOrEqual(0);
      expect(stats.computeMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('waits up to maxQueueDelayMs for a batch to fill, and starts a full batch without waiting', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxBatchSize: 3, maxQueueDelayMs: 40 });
    const first = [s.submit(1), s.submit(2)];
    await tick();
    expect(manual.batches).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(manual.batches.map((b) => b.inputs)).toEqual([[1, 2]]);
    manual.batches[0].finish();
    await Promise.all(first);

    const slow = scheduler(manual.run, { maxBatchSize: 3, maxQueueDelayMs: 600_000 });
    const full = [slow.submit(4), slow.submit(5), slow.submit(6)];
    await tick();
    expect(manual.batches[1].inputs).toEqual([4, 5, 6]);
    manual.batches[1].finish();
    expect((await Promise.all(full)).map((r) => r.output)).toEqual([40, 50, 60]);
  });

  it('answers OVERLOADED at once when the queue is full and keeps serving the rest', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxQueue: 2 });
    const running = s.submit(1);
    await tick();
    const waiting = [s.submit(2), s.submit(3)];
    const refused = await rejection(s.submit(4));
    expect(refused.code).toBe('OVERLOADED');
    manual.batches[0].finish();
    await tick();
    manual.batches[1].finish();
    await tick();
    manual.batches[2].finish();
    expect((await running).output).toBe(10);
    expect((await Promise.all(waiting)).map((r) => r.output)).toEqual([20, 30]);
  });

  it('an abort while queued rejects CANCELLED at once, frees the place, and the queue drains', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxQueue: 2 });
    const running = s.submit(1);
    await tick();
    const controller = new AbortController();
    const doomed = s.submit(2, { signal: controller.signal });
    const kept = s.submit(3);
    expect(s.queued).toBe(2);
    controller.abort();
    expect((await rejection(doomed)).code).toBe('CANCELLED');
    expect(s.queued).toBe(1);
    // The freed place takes a new request.
    const late = s.submit(4);
    manual.batches[0].finish();
    await tick();
    manual.batches[1].finish();
    await tick();
    manual.batches[2].finish();
    expect((await running).output).toBe(10);
    expect((await kept).output).toBe(30);
    expect((await late).output).toBe(40);
    expect(manual.batches.map((b) => b.inputs)).toEqual([[1], [3], [4]]);
    expect(s.queued).toBe(0);
    expect(s.active).toBe(0);
  });

  it('rejects an already aborted request without queueing it, and never calls onStart for it', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run);
    const controller = new AbortController();
    controller.abort();
    let started = false;
    const error = await rejection(s.submit(1, { signal: controller.signal, onStart: () => (started = true) }));
    expect(error.code).toBe('CANCELLED');
    expect(started).toBe(false);
    expect(manual.batches).toHaveLength(0);
  });

  it('an abort while computing answers that request at once; the batch is aborted only when all its requests left', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxBatchSize: 2, concurrency: 1 });
    const blocker = s.submit(0);
    await tick();
    const a = new AbortController();
    const b = new AbortController();
    const pa = s.submit(1, { signal: a.signal });
    const pb = s.submit(2, { signal: b.signal });
    manual.batches[0].finish();
    await blocker;
    await tick();
    const batch = manual.batches[1];
    expect(batch.inputs).toEqual([1, 2]);
    a.abort();
    expect((await rejection(pa)).code).toBe('CANCELLED');
    expect(batch.signal.aborted).toBe(false);
    b.abort();
    expect((await rejection(pb)).code).toBe('CANCELLED');
    expect(batch.signal.aborted).toBe(true);
    batch.fail(new Error('stopped'));
    await tick();
    expect(s.active).toBe(0);
  });

  it('calls onStart when a request leaves the queue', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run);
    const started: number[] = [];
    const p1 = s.submit(1, { onStart: () => started.push(1) });
    const p2 = s.submit(2, { onStart: () => started.push(2) });
    await tick();
    expect(started).toEqual([1]);
    manual.batches[0].finish();
    await tick();
    expect(started).toEqual([1, 2]);
    manual.batches[1].finish();
    await Promise.all([p1, p2]);
  });

  it('gives every request of a failed batch the error', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run, { maxBatchSize: 2 });
    const blocker = s.submit(0);
    const p = [s.submit(1), s.submit(2)];
    await tick();
    manual.batches[0].finish();
    await blocker;
    await tick();
    manual.batches[1].fail(new TesseraError('INFERENCE_FAILED', 'boom'));
    for (const r of p) expect((await rejection(r)).code).toBe('INFERENCE_FAILED');
  });

  it('treats a batch function returning the wrong number of results as an internal error', async () => {
    const s = scheduler(async () => [1, 2]);
    expect((await rejection(s.submit(1))).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('close() rejects waiting work with its reason, awaits running work, and refuses new work', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run);
    const running = s.submit(1);
    const waiting = s.submit(2);
    await tick();
    let closed = false;
    const closing = s.close(new TesseraError('CANCELLED', 'unloaded')).then(() => (closed = true));
    expect((await rejection(waiting)).message).toBe('unloaded');
    await tick();
    expect(closed).toBe(false);
    manual.batches[0].finish();
    await closing;
    expect((await running).output).toBe(10);
    expect((await rejection(s.submit(3))).message).toBe('unloaded');
  });

  it('close() with abortRunning aborts and answers running work too', async () => {
    const manual = manualRun();
    const s = scheduler(manual.run);
    const running = s.submit(1);
    await tick();
    const closing = s.close(new TesseraError('SHUTTING_DOWN', 'bye'), { abortRunning: true });
    expect((await rejection(running)).code).toBe('SHUTTING_DOWN');
    expect(manual.batches[0].signal.aborted).toBe(true);
    manual.batches[0].fail(new Error('aborted'));
    await closing;
  });
});
