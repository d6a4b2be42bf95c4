/**
 * Opens a decoder LM where its decode loop will run: on its own worker thread beside the
 * onnxruntime session (the default), or on the calling thread (`sessionThread: 'main'`, the
 * CLI and tests that want one thread). Both serve the same TextGeneratorInfo.
 */
import type { TextGeneratorInfo } from '../generation/text-generator.js';
import type { GenerationLogger } from '../generation/types.js';
import type { ExecutionProviderName } from '../types.js';
import { openInThread } from './open-in-thread.js';
import type { DecodeThreadSpec } from './protocol.js';
import { ThreadedTextGenerator } from './threaded-generator.js';

export interface LoadedGenerator {
  generator: TextGeneratorInfo;
  executionProvider: ExecutionProviderName;
  /** Why a session fell back to the CPU, when it did. */
  fallbackReasons: readonly string[];
}

export async function loadTextGenerator(
  spec: DecodeThreadSpec,
  thread: 'worker' | 'main',
  logger?: GenerationLogger,
  /** Told when a decode thread dies while serving (the engine fails the model, as for a session worker). */
  onCrash?: (error: Error) => void,
): Promise<LoadedGenerator> {
  if (thread === 'worker') {
    const generator = await ThreadedTextGenerator.load(spec, logger);
    generator.onCrash = onCrash;
    return { generator, executionProvider: generator.executionProvider, fallbackReasons: generator.fallbackReasons };
  }
  return openInThread(spec, logger);
}
