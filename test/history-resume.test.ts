/**
 * Resuming a stream at the run level: the live log of a run (ActiveRun) and a replay from the
 * row number their durable events alike, previews do not advance the number, and a client
 * that resumes after the last number it saw gets the rest exactly once.
 */
import { describe, expect, it } from 'vitest';
import { ActiveRun } from '../src/runs/run-registry.js';
import { sequenced } from '../src/runs/sequence.js';
import { isPipelinePreview } from '../src/runs/folds/pipeline.js';
import type { PipelineEvent } from '../src/pipelines/types.js';

type Event = { kind: 'started' } | { kind: 'token'; text: string } | { kind: 'segment'; text: string } | { kind: 'completed' };
const isPreview = (event: Event) => event.kind === 'token';

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('resumable streams', () => {
  it('numbers a live log and resumes a reader after the last number it saw, while the run goes on', async () => {
    const run = new ActiveRun<Event>('r1');
    run.publish({ kind: 'started' });
    run.publish({ kind: 'token', text: 'he' });
    run.publish({ kind: 'segment', text: 'hello' });
    const first: number[] = [];
    for await (const event of sequenced(run.attach(), { isPreview })) {
      first.push(event.sequence);
      if (event.kind === 'segment') break;
    }
    expect(first).toEqual([0, 0, 1]);
    run.publish({ kind: 'token', text: 'wor' });
    const resumed = collect(sequenced(run.attach(), { after: 1, isPreview }));
    run.publish({ kind: 'segment', text: 'world' });
    run.publish({ kind: 'completed' });
    run.end();
    expect((await resumed).map((e) => [e.kind, e.sequence])).toEqual([
      ['segment', 2],
      ['completed', 3],
    ]);
  });

  it('gives a replay from the row the same numbers as the live log had, so a reconnect after the end loses nothing', async () => {
    const live: Event[] = [{ kind: 'started' }, { kind: 'token', text: 'a' }, { kind: 'segment', text: 'a b' }, { kind: 'token', text: 'c' }, { kind: 'segment', text: 'c' }, { kind: 'completed' }];
    const stored = live.filter((e) => !isPreview(e));
    async function* from(events: Event[]) {
      yield* events;
    }
    const liveNumbers = (await collect(sequenced(from(live), { isPreview }))).filter((e) => !isPreview(e)).map((e) => e.sequence);
    const replayNumbers = (await collect(sequenced(from(stored), { isPreview }))).map((e) => e.sequence);
    expect(replayNumbers).toEqual(liveNumbers);
    expect((await collect(sequenced(from(stored), { after: 1, isPreview }))).map((e) => e.kind)).toEqual(['segment', 'completed']);
    expect(await collect(sequenced(from(stored), { after: 3, isPreview }))).toEqual([]);
  });

  it('treats a pipeline step’s tokens and segments as previews', () => {
    const token: PipelineEvent = { kind: 'token', step: 0, text: 'x' };
    const segment: PipelineEvent = { kind: 'segment', step: 0, start: 0, end: 1, text: 'x' };
    const started: PipelineEvent = { kind: 'started', requestId: 'r', steps: [] };
    expect([token, segment, started].map(isPipelinePreview)).toEqual([true, true, false]);
  });
});
