/**
 * The request lifecycle on its own (src/runs/run-service.ts), on a real SQLite file and the
 * real local PostgreSQL: every final state written exactly once whichever way a run ends
 * (completion, failure, cancellation, client gone, shutdown, crash), refusals leave no row,
 * and observers see each transition once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { RequestStore, type RequestRow } from '../src/db/request-store.js';
import { TesseraError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { AsyncQueue } from '../src/runs/async-queue.js';
import { RunService } from '../src/runs/run-service.js';
import type { StreamFold } from '../src/runs/stream-fold.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';

const logger = createLogger('silent');
const spec = (task = 'OCR') => ({ task, model: 'm', parameters: {}, inputModalities: ['IMAGE'] });

/** A stream of words that ends with 'end' (COMPLETED) or 'error' (FAILED in-band). */
type Word = string;
const wordFold = (): StreamFold<Word, string> => {
  const seen: string[] = [];
  return {
    opening: (row) => `started ${row.id}`,
    step(word, run) {
      run.onStart();
      if (word === 'end') return { publish: 'completed', ending: { status: 'COMPLETED', outcome: { outputText: seen.join(' ') } } };
      if (word === 'error') return { publish: 'failed', ending: { status: 'FAILED', error: new TesseraError('INFERENCE_FAILED', 'in-band'), outcome: {} } };
      seen.push(word);
      run.keep({ outputText: seen.join(' ') });
      return { publish: word };
    },
    broken: (failure) => ({ publish: `broken ${failure.code}` }),
  };
};

/** Work that waits until its signal is aborted, after it started. */
const untilAborted = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe.each(['sqlite', 'postgres'] as const)('the run service on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  let store: RequestStore;
  let runs: RunService;
  let transitions: string[];

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    db = await openDatabase(testDb.url);
    store = new RequestStore(db.prisma, db.kind);
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  beforeEach(() => {
    runs = new RunService(store, logger);
    transitions = [];
    runs.observers.push({
      created: (row) => transitions.push(`created ${row.status}`),
      running: () => transitions.push('running'),
      settled: (row) => transitions.push(`settled ${row.status}${row.errorCode ? ` ${row.errorCode}` : ''}`),
    });
  });

  const client = () => new AbortController();
  const settledCount = () => transitions.filter((t) => t.startsWith('settled')).length;

  it('takes a unary run from QUEUED through RUNNING to COMPLETED, once', async () => {
    const { value, request } = await runs.unary(spec(), { client: client().signal }, async (run) => {
      run.onStart();
      return { value: 42, outcome: { outputText: 'done', batchSize: 3 } };
    });
    expect(value).toBe(42);
    expect(request).toMatchObject({ status: 'COMPLETED', outputText: 'done', batchSize: 3, errorCode: null });
    expect(request.startedAt).not.toBeNull();
    // A cancel after the end changes nothing.
    const again = await runs.cancel(request.id);
    expect(again).toMatchObject({ status: 'COMPLETED', finishedAt: request.finishedAt });
    expect(transitions.filter((t) => t !== 'running')).toEqual(['created QUEUED', 'settled COMPLETED']);
    expect(runs.size).toBe(0);
  });

  it('stores a TesseraError as FAILED with its code, and an unknown error as INFERENCE_FAILED (rethrown as it is)', async () => {
    const bad = runs.unary(spec(), { client: client().signal }, async (run) => {
      run.onStart();
      throw new TesseraError('BAD_USER_INPUT', 'corrupt');
    });
    await expect(bad).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const crash = runs.unary(spec(), { client: client().signal }, async (run) => {
      run.onStart();
      throw new RangeError('index out of bounds');
    });
    // The client sees it masked by the GraphQL layer; the row says INFERENCE_FAILED.
    await expect(crash).rejects.toBeInstanceOf(RangeError);
    const rows = await store.list({ status: 'FAILED' }, { first: 2 });
    expect(rows.rows.map((r) => [r.errorCode, r.errorMessage])).toEqual([
      ['INFERENCE_FAILED', 'Inference failed unexpectedly; see the server log.'],
      ['BAD_USER_INPUT', 'corrupt'],
    ]);
    expect(settledCount()).toBe(2);
  });

  it('cancels a running run by id: CANCELLED once, with what it had kept', async () => {
    let id = '';
    const started = new Promise<void>((resolve) => {
      void runs
        .unary(spec(), { client: client().signal }, async (run) => {
          run.onStart();
          run.keep({ outputText: 'half' });
          resolve();
          return untilAborted(run.signal);
        })
        .catch(() => undefined);
    });
    await started;
    id = (await store.list({}, { first: 1 })).rows[0].id;
    const row = await runs.cancel(id);
    expect(row).toMatchObject({ status: 'CANCELLED', errorCode: 'CANCELLED', errorMessage: 'Cancelled by cancelRequest.', outputText: 'half' });
    expect(transitions.filter((t) => t.startsWith('settled'))).toEqual(['settled CANCELLED CANCELLED']);
  });

  it('cancels when the client goes away, even if the work then reports success', async () => {
    const gone = client();
    const result = runs.unary(spec(), { client: gone.signal }, async (run) => {
      run.onStart();
      gone.abort();
      return { value: 'too late', outcome: {} };
    });
    await expect(result).rejects.toMatchObject({ code: 'CANCELLED', message: 'The client went away.' });
    const [row] = (await store.list({}, { first: 1 })).rows;
    expect(row.status).toBe('CANCELLED');
  });

  it('a refusal before the work starts (OVERLOADED) leaves no row; after it started it is FAILED', async () => {
    const before = await store.count({});
    await expect(
      runs.unary(spec(), { client: client().signal }, async () => {
        throw new TesseraError('OVERLOADED', 'queue full');
      }),
    ).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(await store.count({})).toBe(before);
    await expect(
      runs.unary(spec(), { client: client().signal }, async (run) => {
        run.onStart();
        throw new TesseraError('OVERLOADED', 'queue full');
      }),
    ).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(await store.count({})).toBe(before + 1);
    expect(transitions.filter((t) => t.startsWith('settled'))).toEqual(['settled FAILED OVERLOADED']);
  });

  it('streams into a replayable log: a late subscriber sees it all, the row is written before the last event', async () => {
    const words = new AsyncQueue<Word>();
    const started = await runs.streamed(spec('TEXT_GENERATION'), runs.prepare(), client().signal, words, wordFold());
    words.push('a');
    words.push('b');
    const seen: string[] = [];
    const follower = (async () => {
      for await (const event of runs.follow(started)) seen.push(event);
    })();
    const late: string[] = [];
    const attached = (async () => {
      for await (const event of runs.attach<string>(started.row.id, () => undefined, async function* () {})) {
        if (event === 'completed') expect((await store.get(started.row.id))!.status).toBe('COMPLETED');
        late.push(event);
      }
    })();
    words.push('end');
    await Promise.all([follower, attached]);
    const expected = [`started ${started.row.id}`, 'a', 'b', 'completed'];
    expect(seen).toEqual(expected);
    expect(late).toEqual(expected);
    expect(await started.done).toMatchObject({ status: 'COMPLETED', outputText: 'a b' });
    expect(settledCount()).toBe(1);
  });

  it('a follower leaving early cancels the stream; the partial output is kept; the log ends with the broken event', async () => {
    const words = new AsyncQueue<Word>();
    const pending = runs.prepare();
    // The engine's stream ends when the run is cancelled, as the engine's do.
    pending.signal.addEventListener('abort', () => words.fail(pending.signal.reason));
    const started = await runs.streamed(spec('TEXT_GENERATION'), pending, client().signal, words, wordFold());
    words.push('first');
    for await (const event of runs.follow(started)) if (event === 'first') break;
    const row = await store.get(started.row.id);
    expect(row).toMatchObject({ status: 'CANCELLED', errorMessage: 'The subscriber went away.', outputText: 'first' });
    const { events } = await runs.collect(started);
    expect(events.at(-1)).toBe('broken CANCELLED');
    expect(settledCount()).toBe(1);
  });

  it('an in-band failure is FAILED with its code; a stream that runs dry is INFERENCE_FAILED', async () => {
    const words = new AsyncQueue<Word>();
    const failing = await runs.streamed(spec('TEXT_GENERATION'), runs.prepare(), client().signal, words, wordFold());
    words.push('error');
    expect(await failing.done).toMatchObject({ status: 'FAILED', errorCode: 'INFERENCE_FAILED', errorMessage: 'in-band' });
    const dry = new AsyncQueue<Word>();
    const running = await runs.streamed(spec('TEXT_GENERATION'), runs.prepare(), client().signal, dry, wordFold());
    dry.end();
    expect(await running.done).toMatchObject({ status: 'FAILED', errorCode: 'INFERENCE_FAILED' });
    expect((await runs.collect(running)).events.at(-1)).toBe('broken INFERENCE_FAILED');
    expect(settledCount()).toBe(2);
  });

  it('drains on shutdown: refuses new work with no row, lets quick work finish, cancels what outlives the timeout', async () => {
    const quick = new AsyncQueue<Word>();
    const slow = new AsyncQueue<Word>();
    const slowPending = runs.prepare();
    slowPending.signal.addEventListener('abort', () => slow.fail(slowPending.signal.reason));
    const quickRun = await runs.streamed(spec('TEXT_GENERATION'), runs.prepare(), client().signal, quick, wordFold());
    const slowRun = await runs.streamed(spec('TEXT_GENERATION'), slowPending, client().signal, slow, wordFold());
    slow.push('working');
    // The quick run ends at once; the slow one outlives the drain's limit. The limit leaves the
    // quick run's final write time to land on a loaded machine.
    const draining = runs.drain(2000);
    quick.push('end');
    const before = await store.count({});
    await expect(runs.unary(spec(), { client: client().signal }, async () => ({ value: 1, outcome: {} }))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(await store.count({})).toBe(before);
    expect(await draining).toEqual({ finished: 1, cancelled: 1 });
    expect(await quickRun.done).toMatchObject({ status: 'COMPLETED' });
    expect(await slowRun.done).toMatchObject({ status: 'CANCELLED', errorMessage: 'The server shut down before this request finished.', outputText: 'working' });
    expect(settledCount()).toBe(2);
  });

  it('after a crash, a row left RUNNING is recovered as FAILED INTERRUPTED at the next start', async () => {
    // The "crash": a run that started and whose process never wrote its end.
    const crashed = new RunService(store, logger);
    let row: RequestRow | undefined;
    void crashed
      .unary(spec(), { client: client().signal }, async (run) => {
        run.onStart();
        return new Promise<never>(() => undefined);
      })
      .catch(() => undefined);
    await expect.poll(async () => (row = (await store.list({ status: 'RUNNING' }, { first: 1 })).rows[0])).toBeDefined();
    const restarted = new RequestStore(db.prisma, db.kind);
    expect(await restarted.recoverInterrupted()).toBeGreaterThanOrEqual(1);
    expect(await restarted.get(row!.id)).toMatchObject({ status: 'FAILED', errorCode: 'INTERRUPTED' });
  });
});
