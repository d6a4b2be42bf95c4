/**
 * Run events cross replicas as JSON: the Dates of rows and the TesseraErrors of failed
 * transcriptions must come back as the types GraphQL serializes, not as strings and plain objects.
 */
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../src/replicas/event-codec.js';
import { TesseraError } from '../src/errors.js';

describe('relayed run events', () => {
  it('keep Dates, TesseraErrors and everything else as they were', () => {
    const createdAt = new Date('2026-12-02T07:00:00.123Z');
    const event = {
      kind: 'failed',
      error: new TesseraError('BAD_USER_INPUT', 'The audio is corrupt.', { field: 'audio' }),
      request: { id: 'r1', createdAt, finishedAt: null, tokens: [1, 2, 3] },
      text: 'a "$date" in text stays text',
    };
    const back = decodeEvent<typeof event>(encodeEvent(event));
    expect(back.request.createdAt).toBeInstanceOf(Date);
    expect(back.request.createdAt.getTime()).toBe(createdAt.getTime());
    expect(back.error).toBeInstanceOf(TesseraError);
    expect([back.error.code, back.error.message, back.error.details]).toEqual(['BAD_USER_INPUT', 'The audio is corrupt.', { field: 'audio' }]);
    expect(back.request.finishedAt).toBeNull();
    expect(back.request.tokens).toEqual([1, 2, 3]);
    expect(back.text).toBe(event.text);
  });
});
