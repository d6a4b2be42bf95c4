/**
 * Run events cross replicas as JSON, but they carry Dates (rows) and TesseraErrors (a
 * failed transcription) that GraphQL serializes by type, so both are tagged on the way out
 * and rebuilt on the way in.
 */
import { TesseraError, type ErrorCode } from '../errors.js';

type Tagged = { $date: string } | { $error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

export function encodeEvent(event: unknown): string {
  return JSON.stringify(event, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() } satisfies Tagged;
    if (raw instanceof TesseraError) return { $error: { code: raw.code, message: raw.message, details: raw.details } } satisfies Tagged;
    return value;
  });
}

export function decodeEvent<E>(text: string): E {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object') {
      if ('$date' in value && typeof value.$date === 'string') return new Date(value.$date);
      if ('$error' in value) {
        const { code, message, details } = (value as Extract<Tagged, { $error: unknown }>).$error;
        return new TesseraError(code, message, details);
      }
    }
    return value;
  }) as E;
}
