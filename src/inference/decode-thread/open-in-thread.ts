/**
 * Opens a decoder LM on the calling thread: its sessions (and a vision-language model's token
 * embedder) on the configured provider, falling back to the CPU, with the provider used and
 * why it fell back. The decode thread opens its model this way, and so does the server's
 * thread when `sessionThread` is 'main'.
 */
import { TextGenerator } from '../generation/text-generator.js';
import { TokenEmbedder } from '../generation/token-embedder.js';
import type { GenerationLogger } from '../generation/types.js';
import { createSession } from '../runtime/create-session.js';
import type { ExecutionProviderName } from '../types.js';
import type { DecodeThreadSpec } from './protocol.js';

export interface OpenedGenerator {
  generator: TextGenerator;
  executionProvider: ExecutionProviderName;
  /** Why a session fell back to the CPU, when one did. */
  fallbackReasons: string[];
}

export async function openInThread(spec: DecodeThreadSpec, logger?: GenerationLogger): Promise<OpenedGenerator> {
  let executionProvider: ExecutionProviderName = 'cpu';
  const fallbackReasons: string[] = [];
  const open = async (file: string) => {
    const created = await createSession(file, spec.settings);
    executionProvider = created.executionProvider;
    if (created.fallbackReason) fallbackReasons.push(created.fallbackReason);
    return created.session;
  };
  // The embedder's session belongs to the generator once loaded; it is released with it.
  const embedder = spec.embedder ? new TokenEmbedder(await open(spec.embedder.file), spec.embedder.imageTokenId) : undefined;
  try {
    const generator = await TextGenerator.load(spec.dir, { ...spec, embedder, logger, createSession: open });
    return { generator, executionProvider, fallbackReasons };
  } catch (error) {
    await embedder?.release().catch(() => undefined);
    throw error;
  }
}
