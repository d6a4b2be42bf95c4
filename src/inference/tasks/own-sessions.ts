/**
 * Sessions a task opens on this thread itself rather than through a worker pool (a
 * vision-language model's vision encoder; its decoder runs on a decode thread): each file
 * opens on the configured provider, falling back to the CPU with a warning, and the
 * provider actually used is remembered for the model's status.
 */
import { createSession } from '../runtime/create-session.js';
import type { Logger } from '../runtime/logger.js';
import { sessionSettings, type RuntimeOptions } from '../runtime/options.js';
import type { ExecutionProviderName } from '../types.js';

export function ownSessions(model: string, runtime: RuntimeOptions, logger: Logger) {
  let executionProvider: ExecutionProviderName = 'cpu';
  return {
    get executionProvider(): ExecutionProviderName {
      return executionProvider;
    },
    create: async (file: string) => {
      const created = await createSession(file, sessionSettings(runtime));
      executionProvider = created.executionProvider;
      if (created.fallbackReason) logger.warn({ model, reason: created.fallbackReason }, `model ${model}: falling back to the CPU execution provider`);
      return created.session;
    },
  };
}
