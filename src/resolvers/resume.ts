import { badInput } from '../errors.js';

/** The `after` argument of the *Events subscriptions: the last sequence number the client saw. */
export function resumeAfter(after: number | null | undefined): number | null {
  if (after == null) return null;
  if (after < 0) throw badInput('after must be a sequence number the stream sent (0 or more).', { argument: 'after' });
  return after;
}
