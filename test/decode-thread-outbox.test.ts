/**
 * The decode thread's outbox: under load a step's tokens may wait for the next steps', never
 * past the hold for that many open requests, never out of order; a request's start, first token
 * and end are never held.
 */
import { describe, expect, it } from 'vitest';
import { Outbox, type Urgency } from '../src/inference/decode-thread/outbox.js';

function harness(policy = { minRows: 4, perRowMs: 8, maxHoldMs: 250 }) {
  let clock = 0;
  const sent: [number, string][][] = [];
  const outbox = new Outbox<string>((items) => sent.push(items), policy, () => clock);
  /** One decode step of `stepMs` that gives each of `events` to the outbox, then yields. */
  const step = (stepMs: number, openRows: number, events: [number, string, Urgency][]) => {
    clock += stepMs;
    for (const [id, event, urgency] of events) outbox.push(id, event, urgency);
    outbox.boundary(openRows);
  };
  return { outbox, sent, step };
}

const tokens = (n: number, i: number): [number, string, Urgency][] => Array.from({ length: n }, (_, id) => [id, `t${i}`, 'may-wait']);
const stepsPerMessage = (sent: unknown[][], rows: number) => sent.map((m) => m.length / rows);

describe('decode thread outbox', () => {
  it('sends every step at once below four open requests, however short the steps', () => {
    const { sent, step } = harness();
    for (let i = 0; i < 5; i += 1) step(1, 3, tokens(3, i));
    expect(stepsPerMessage(sent, 3)).toEqual([1, 1, 1, 1, 1]);
  });

  it('sends every step at once when a step outlasts the hold for that many streams', () => {
    const { sent, step } = harness();
    for (let i = 0; i < 5; i += 1) step(40, 4, tokens(4, i)); // 4 rows: 32 ms of hold, 40 ms steps
    expect(stepsPerMessage(sent, 4)).toEqual([1, 1, 1, 1, 1]);
  });

  it('groups more steps per message the more streams are open, and keeps every token in order', () => {
    // 8 rows: 64 ms of hold over 37 ms steps, pairs; 32 rows: 250 ms over 90 ms steps, threes.
    for (const [rows, stepMs, expected] of [
      [8, 37, [1, 2, 2, 2, 2, 1]],
      [32, 90, [1, 3, 3, 3]],
    ] as const) {
      const { sent, step, outbox } = harness();
      const steps = expected.reduce((a, b) => a + b, 0);
      for (let i = 0; i < steps; i += 1) step(stepMs, rows, tokens(rows, i));
      outbox.flush();
      expect(stepsPerMessage(sent, rows)).toEqual(expected);
      const perRow = (id: number) => sent.flat().filter(([row]) => row === id).map(([, t]) => t);
      for (let id = 0; id < rows; id += 1) expect(perRow(id)).toEqual(Array.from({ length: steps }, (_, i) => `t${i}`));
    }
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

  it('never holds past the cap, however many streams', () => {
    const { sent, step } = harness({ minRows: 4, perRowMs: 8, maxHoldMs: 100 });
    for (let i = 0; i < 4; i += 1) step(150, 64, tokens(64, i));
    expect(stepsPerMessage(sent, 64)).toEqual([1, 1, 1, 1]);
  });

  it('a held step still goes out by a timer when the loop goes quiet', async () => {
    const { sent, step } = harness({ minRows: 4, perRowMs: 5, maxHoldMs: 30 });
    step(10, 8, tokens(8, 0));
    step(10, 8, tokens(8, 1)); // held: 0 + 10 <= 30
    expect(sent).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(2);
  });
});
