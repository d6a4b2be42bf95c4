/**
 * The decode thread's outbox: under load a step's tokens may wait for the next step's, never
 * past the hold bound, never out of order, and a request's start, first token and end are never held.
 */
import { describe, expect, it } from 'vitest';
import { Outbox, type Urgency } from '../src/inference/decode-thread/outbox.js';

function harness(policy = { loadRows: 4, holdMs: 100 }) {
  let clock = 0;
  const sent: [number, string][][] = [];
  const outbox = new Outbox<string>((items) => sent.push(items), policy, () => clock);
  /** One decode step of `stepMs` that gives each of `ids` one event, then yields. */
  const step = (stepMs: number, openRows: number, events: [number, string, Urgency][]) => {
    clock += stepMs;
    for (const [id, event, urgency] of events) outbox.push(id, event, urgency);
    outbox.boundary(openRows);
  };
  return { outbox, sent, step };
}

const tokens = (n: number, i: number): [number, string, Urgency][] => Array.from({ length: n }, (_, id) => [id, `t${i}`, 'may-wait']);

describe('decode thread outbox', () => {
  it('sends every step at once below the load threshold', () => {
    const { sent, step } = harness();
    for (let i = 0; i < 5; i += 1) step(20, 3, tokens(3, i));
    expect(sent).toHaveLength(5);
  });

  it('under load groups steps, holds nothing past the bound and keeps every token in order', () => {
    const { sent, step } = harness();
    step(40, 8, tokens(8, 0)); // the first boundary has no step time to go by: sent
    for (let i = 1; i <= 9; i += 1) step(40, 8, tokens(8, i));
    // 40 ms steps under a 100 ms bound: three steps per message after the first (the oldest waits 80 ms).
    expect(sent.map((m) => m.length / 8)).toEqual([1, 3, 3, 3]);
    const perRow = (id: number) => sent.flat().filter(([row]) => row === id).map(([, t]) => t);
    for (let id = 0; id < 8; id += 1) expect(perRow(id)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
  });

  it('sends at once when a start, a first token or an end is waiting', () => {
    const { sent, step } = harness();
    step(40, 8, tokens(8, 0));
    step(40, 8, tokens(8, 1)); // held
    expect(sent).toHaveLength(1);
    step(40, 8, [...tokens(7, 2), [7, 'completed', 'urgent']]);
    expect(sent).toHaveLength(2);
    expect(sent[1].map(([, e]) => e)).toEqual([...Array(8).fill('t1'), ...Array(7).fill('t2'), 'completed']);
  });

  it('never holds when steps are longer than the bound', () => {
    const { sent, step } = harness();
    for (let i = 0; i < 4; i += 1) step(150, 32, tokens(32, i));
    expect(sent).toHaveLength(4);
  });

  it('a held step still goes out by a timer when the loop goes quiet', async () => {
    const { sent, step } = harness({ loadRows: 4, holdMs: 30 });
    step(10, 8, tokens(8, 0));
    step(10, 8, tokens(8, 1)); // held: 0 + 10 <= 30
    expect(sent).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(2);
  });
});
