/**
 * Charges each key for the tokens its requests generated, once, when the request's final
 * state is written — whatever task or API generated them — so the token quota follows the
 * history rather than each resolver remembering to count.
 */
import type { RunObserver } from '../runs/observer.js';
import type { KeyLimits } from './key-limits.js';
import type { Logger } from '../logger.js';

export function tokenCharge(limits: KeyLimits, logger: Logger): RunObserver {
  return {
    settled(row) {
      // Pipeline steps are charged on their own rows; the pipeline row would count them twice.
      if (!row.ownerKeyId || !row.completionTokens || row.task === 'PIPELINE') return;
      limits.consumeTokens(row.ownerKeyId, row.completionTokens).catch((error: unknown) => logger.warn({ err: error, id: row.id }, 'could not charge tokens'));
    },
  };
}
